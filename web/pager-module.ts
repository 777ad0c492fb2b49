// A pager module from its text (lab 4's pager.js as edited in the playground): imported as an ES
// module from a Blob URL in a browser (a data: URL on Node, for the tests), its factory (the
// default export, or `createPager`) made a PagerModule for the VMM, as node/pager-loader.ts does
// for a file on disk. Problems with the module itself (a syntax error, an error thrown while it
// is evaluated, no factory, a factory that throws or returns the wrong shape) are
// PagerLoadErrors with node/pager-loader.ts's messages: one line naming the file, never a stack.
//
// JavaScript only: a browser runs no TypeScript, and the playground ships no compiler (the
// command line compiles a .ts pager: docs/pager-api.md). The module is one file: an import of
// another file of the project does not resolve from a Blob URL.

import type { PagerModule, Translation } from '../hypervisor/pager.ts';

/** A pager module that cannot be used: the message names it. */
import { PagerLoadError, factoryOf, translationOf } from '../session/pager-module.ts';

export { PagerLoadError };

export interface LoadedPagerText {
  readonly module: PagerModule;
  readonly translation: Translation;
}

/** How module text is imported: a URL made for it, imported, then given back. */
export interface ModuleImporter {
  url(text: string): string;
  release(url: string): void;
}

/** Import from a Blob URL (a browser, the playground's worker). */
export const importViaBlob: ModuleImporter = {
  url: (text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' })),
  release: (url) => URL.revokeObjectURL(url),
};

/** Import from a data: URL (Node, which imports no Blob URL: the tests). */
export const importViaDataUrl: ModuleImporter = {
  url: (text) => `data:text/javascript,${encodeURIComponent(text)}`,
  release: () => {},
};

/** Load the pager whose text is `text`, named `name` (pager.js) in every message. */
export async function loadPagerText(name: string, text: string, importer: ModuleImporter = importViaBlob): Promise<LoadedPagerText> {
  const url = importer.url(text);
  let exports: Record<string, unknown>;
  try {
    // The URL is made at run time: the bundler leaves this import alone.
    exports = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw loadError(e, name, url);
  } finally {
    importer.release(url);
  }
  const factory = factoryOf(exports, name);
  const urls = [url];
  const module: PagerModule = { name, create: factory, locate: (error) => locate(error, urls, name) };
  const translation = translationOf(module);
  return { module, translation };
}

/**
 * A module that does not load: its error in one line, as node/pager-loader.ts says it, with the
 * line when the stack names one (an error thrown while the module is evaluated; a browser gives
 * a syntax error no position).
 */
function loadError(e: unknown, file: string, url: string): PagerLoadError {
  const error = e as Error;
  const at = locate(error, [url], file);
  const line = at ? ` (line ${at.split(':')[1]})` : '';
  // The module's URL is its text: name it by the file.
  const message = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]!.split(url).join(file)}` : String(e);
  const alone = /module specifier/i.test(message) ? `: the playground loads ${file} alone, so a pager here is one file (what it imports goes in it)` : '';
  return new PagerLoadError(`pager '${file}' does not load${line}: ${message}${alone}`);
}

/** 'pager.js:42:7': the first frame of the stack in the pager's own code. */
function locate(error: unknown, urls: readonly string[], name: string): string | undefined {
  const stack = (error as Error | undefined)?.stack;
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n').slice(1)) {
    for (const url of urls) {
      const at = line.indexOf(url);
      if (at < 0) continue;
      const m = /^:(\d+):(\d+)/.exec(line.slice(at + url.length));
      if (m) return `${name}:${m[1]}:${m[2]}`;
    }
  }
  return undefined;
}
