// Where the files vmmlab ships sit on disk: guest-programs/ (the kernel, the user programs and
// their library, the starter folder's templates) and schemas/. From the sources this module is
// config/bundled.ts, from a build dist/*.js: one folder below the package root either way, so the
// same `..` finds the root in a checkout and in an installed package. Paths only; nothing here
// reads a file.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's or the installed package's root. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLED_DIR = path.join(PACKAGE_ROOT, 'guest-programs');
export const BUNDLED_KERNEL = path.join(BUNDLED_DIR, 'kernel/kernel.s');
export const BUNDLED_USER_DIR = path.join(BUNDLED_DIR, 'user');
export const BUNDLED_LIB_DIR = path.join(BUNDLED_DIR, 'lib');
/** `vmmlab init`'s templates. */
export const INIT_TEMPLATE_DIR = path.join(BUNDLED_DIR, 'init');
export const SCHEMAS_DIR = path.join(PACKAGE_ROOT, 'schemas');

/**
 * The directories every vmmlab command and study searches for an `.include` after the including
 * file's own and the -I directories: so `.include "console.inc"` (bare metal) and
 * `.include "ulib.inc"` (a user program for the bundled kernel) work from any folder.
 */
export const BUNDLED_INCLUDE_DIRS: readonly string[] = [BUNDLED_LIB_DIR, BUNDLED_USER_DIR];
