// The playground's files read from the checkout (for Node: tests and the bench). The web build
// never includes this module: bin/build.js puts the files in the bundle in place of
// web/guest-files.ts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The folders the playground ships (relative to the package root), and the file kinds in them. */
export const PLAYGROUND_DIRS = ['guest-programs', 'bench/guests'];
const KINDS = /\.(s|inc|json|dbg|md|js)$/;

export function guestFileList(root = ROOT): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (KINDS.test(e.name)) out.push(child);
    }
  };
  for (const dir of PLAYGROUND_DIRS) walk(dir);
  return out.sort();
}

export function guestFilesFromDisk(root = ROOT): Record<string, string> {
  return Object.fromEntries(guestFileList(root).map((rel) => [rel, fs.readFileSync(path.join(root, rel), 'utf8')]));
}
