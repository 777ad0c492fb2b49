// Reading a configuration file from disk (Node): the text for config/parse-json.ts, which checks
// it, and a reason a user can read when it cannot be read. parseJson is re-exported so that a
// command that reads and parses a file imports one module.

import * as fs from 'node:fs';

export { parseJson, type JsonRead } from './parse-json.ts';

/** Read a file as text; undefined with the reason when it cannot be read. */
export function readText(file: string): { text: string } | { reason: string } {
  try {
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message };
  }
}
