// Where the files vmmlab ships sit on disk: guest-programs/ (the kernel, the user programs and
// their library, the starter folder's templates) and schemas/. From the sources this module is
// config/bundled.ts, from a build dist/*.js: one folder below the package root either way, so the
// same `..` finds the root in a checkout and in an installed package. Paths only; nothing here
// reads a file. The layout inside guest-programs/ is config/bundled-layout.ts's, which a web
// page's map of the folder follows too.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledPaths } from './bundled-layout.ts';

/** The checkout's or the installed package's root. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLED_DIR = path.join(PACKAGE_ROOT, 'guest-programs');
/** The kernel, the user programs and the library on disk. */
export const BUNDLED_PATHS = bundledPaths(BUNDLED_DIR, path.join);
export const BUNDLED_KERNEL = BUNDLED_PATHS.kernel;
export const BUNDLED_USER_DIR = BUNDLED_PATHS.userDir;
export const BUNDLED_LIB_DIR = BUNDLED_PATHS.libDir;
/** `vmmlab init`'s templates. */
export const INIT_TEMPLATE_DIR = path.join(BUNDLED_DIR, 'init');
export const SCHEMAS_DIR = path.join(PACKAGE_ROOT, 'schemas');

/**
 * The directories every vmmlab command and study searches for an `.include` after the including
 * file's own and the -I directories: so `.include "console.inc"` (bare metal) and
 * `.include "ulib.inc"` (a user program for the bundled kernel) work from any folder.
 */
export const BUNDLED_INCLUDE_DIRS: readonly string[] = BUNDLED_PATHS.includeDirs;
