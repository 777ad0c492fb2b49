// Guest images for experiments: the kernel and the boot modules a workload names, assembled once
// per thread and kept. Module specs read like `vmmlab run --module`: `PROG.s[:ARG,ARG…]`, a path
// relative to the study file, else a bundled program in guest-programs/user/. A source's
// `.include`s are searched as the CLI searches them: its own directory, the -I directories
// (RunOptions.includeDirs), then the bundled library (config/bundled.ts).
//
// Errors are StudyErrors carrying every assembler diagnostic; nothing here prints.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../assembler/index.ts';
import { assembleFile } from '../node/files.ts';
import { BUNDLED_INCLUDE_DIRS, BUNDLED_KERNEL, BUNDLED_USER_DIR } from '../config/bundled.ts';
import { BootError, USER_ORIGIN, parseModuleSpec as splitModuleSpec, type BootModule } from '../emulator/boot.ts';
import { parseImage, type Image } from '../isa/image.ts';
import { StudyError } from './params.ts';

export { BUNDLED_KERNEL, BUNDLED_USER_DIR };

const cache = new Map<string, Image>();

/** Assemble (or read) one image, once per thread; `includeDirs` are searched before the bundled library. */
export function imageOf(file: string, origin?: number, includeDirs: readonly string[] = []): Image {
  const key = `${file}@${origin ?? ''}@${includeDirs.join('\0')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let image: Image;
  if (/\.(s|asm)$/i.test(file)) {
    const includePath = [...includeDirs, ...BUNDLED_INCLUDE_DIRS];
    const result = assembleFile(file, origin !== undefined ? { origin, includePath } : { includePath });
    if (!result.image) {
      throw new StudyError(`${file} does not assemble:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
    }
    image = result.image;
  } else {
    try {
      image = parseImage(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new StudyError(`${file}: ${(e as Error).message}`);
    }
  }
  cache.set(key, image);
  return image;
}

/** The images this thread holds, as plain data a worker thread can receive (see adoptImages). */
export function heldImages(): [string, Image][] {
  return [...cache];
}

/**
 * Take the images another thread assembled, so that this one does not assemble them again (the
 * kernel takes a noticeable part of a second: a worker would pay it before its first cell).
 */
export function adoptImages(images: Iterable<[string, Image]>): void {
  for (const [key, image] of images) cache.set(key, image);
}

/** Where a study's file reference points: relative to the study, else bundled. */
export function findFile(file: string, baseDir: string, bundledDir?: string): string {
  const local = path.resolve(baseDir, file);
  if (fs.existsSync(local)) return local;
  if (bundledDir && !path.isAbsolute(file)) {
    const bundled = path.join(bundledDir, file);
    if (fs.existsSync(bundled)) return bundled;
    if (!/\.[a-z]+$/i.test(file) && fs.existsSync(`${bundled}.s`)) return `${bundled}.s`;
  }
  throw new StudyError(`'${file}' not found (looked beside the study in ${baseDir}${bundledDir ? ` and in ${bundledDir}` : ''})`);
}

export interface ModuleSpec {
  readonly file: string;
  readonly name: string;
  readonly args: readonly number[];
}

/** Parse `PROG.s[:A,B…]`; the module's name is the file name without its extension. */
export function parseModuleSpec(spec: string, baseDir: string): ModuleSpec {
  let parsed: ReturnType<typeof splitModuleSpec>;
  try {
    parsed = splitModuleSpec(spec);
  } catch (e) {
    if (e instanceof BootError) throw new StudyError(e.message);
    throw e;
  }
  return { file: findFile(parsed.file, baseDir, BUNDLED_USER_DIR), name: parsed.name, args: parsed.args };
}

export function bootModule(spec: ModuleSpec, includeDirs: readonly string[] = []): BootModule {
  return { name: spec.name, image: imageOf(spec.file, USER_ORIGIN, includeDirs), args: spec.args };
}
