// Guest images for experiments: the kernel and the boot modules a workload names, assembled once
// per file system and thread, and kept. Module specs read like `vmmlab run --module`:
// `PROG.s[:ARG,ARG…]`, a path relative to the study file, else a bundled program in
// guest-programs/user/. A source's `.include`s are searched as the CLI searches them: its own
// directory, the -I directories (RunOptions.includeDirs), then the bundled library.
//
// Every file comes through a StudyFiles (study-files.ts): the disk on Node, a map in a browser.
// Errors are StudyErrors carrying every assembler diagnostic; nothing here prints.

import { assembleFile, formatDiagnostic } from '../assembler/index.ts';
import { BootError, USER_ORIGIN, parseModuleSpec as splitModuleSpec, type BootModule } from '../emulator/boot.ts';
import { parseImage, type Image } from '../isa/image.ts';
import { StudyError } from './params.ts';
import type { StudyFiles } from './study-files.ts';

/** The images assembled from each file system (one per platform on Node; one per map in a browser). */
const caches = new WeakMap<StudyFiles, Map<string, Image>>();

function cacheOf(files: StudyFiles): Map<string, Image> {
  let cache = caches.get(files);
  if (!cache) caches.set(files, (cache = new Map()));
  return cache;
}

/** Assemble (or read) one image, once per file system and thread; `includeDirs` are searched before the bundled library. */
export function imageOf(files: StudyFiles, file: string, origin?: number, includeDirs: readonly string[] = [], defines: Readonly<Record<string, number>> = {}): Image {
  const cache = cacheOf(files);
  const defined = Object.entries(defines).map(([k, v]) => `${k}=${v}`).join(',');
  const key = `${file}@${origin ?? ''}@${includeDirs.join('\0')}${defined ? `@${defined}` : ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let image: Image;
  if (/\.(s|asm)$/i.test(file)) {
    const includePath = [...includeDirs, ...files.bundled.includeDirs];
    const reader = { readFile: files.readSource, resolvePath: (p: string) => files.resolve('.', p), includePath, defines: { ...defines } };
    const result = assembleFile(file, origin !== undefined ? { ...reader, origin } : reader);
    if (!result.image) {
      throw new StudyError(`${file} does not assemble:\n${result.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
    }
    image = result.image;
  } else {
    try {
      image = parseImage(files.readText(file));
    } catch (e) {
      throw new StudyError(`${file}: ${(e as Error).message}`);
    }
  }
  cache.set(key, image);
  return image;
}

/** The images this thread holds of `files`, as plain data a worker thread can receive (see adoptImages). */
export function heldImages(files: StudyFiles): [string, Image][] {
  return [...cacheOf(files)];
}

/**
 * Take the images another thread assembled, so that this one does not assemble them again (the
 * kernel takes a noticeable part of a second: a worker would pay it before its first cell).
 */
export function adoptImages(files: StudyFiles, images: Iterable<[string, Image]>): void {
  const cache = cacheOf(files);
  for (const [key, image] of images) cache.set(key, image);
}

/** Where a study's file reference points: relative to the study, else bundled. */
export function findFile(files: StudyFiles, file: string, baseDir: string, bundledDir?: string): string {
  const local = files.resolve(baseDir, file);
  if (files.exists(local)) return local;
  if (bundledDir && !files.isAbsolute(file)) {
    const bundled = files.join(bundledDir, file);
    if (files.exists(bundled)) return bundled;
    if (!/\.[a-z]+$/i.test(file) && files.exists(`${bundled}.s`)) return `${bundled}.s`;
  }
  throw new StudyError(`'${file}' not found (looked beside the study in ${baseDir}${bundledDir ? ` and in ${bundledDir}` : ''})`);
}

export interface ModuleSpec {
  readonly file: string;
  readonly name: string;
  readonly args: readonly number[];
}

/** Parse `PROG.s[:A,B…]`; the module's name is the file name without its extension. */
export function parseModuleSpec(files: StudyFiles, spec: string, baseDir: string): ModuleSpec {
  let parsed: ReturnType<typeof splitModuleSpec>;
  try {
    parsed = splitModuleSpec(spec);
  } catch (e) {
    if (e instanceof BootError) throw new StudyError(e.message);
    throw e;
  }
  return { file: findFile(files, parsed.file, baseDir, files.bundled.userDir), name: parsed.name, args: parsed.args };
}

export function bootModule(files: StudyFiles, spec: ModuleSpec, includeDirs: readonly string[] = []): BootModule {
  return { name: spec.name, image: imageOf(files, spec.file, USER_ORIGIN, includeDirs), args: spec.args };
}
