// Parsing a configuration file's JSON with errors a user can find: `file:line:col` and what was
// expected, the same words on every Node version (V8's own messages change between releases and
// some give no position at all). A strict scanner walks the text to find the first syntax error
// and also the keys an object repeats, which JSON.parse would silently resolve to the last one.
//
// A leading byte-order mark (some Windows editors write one) is accepted.
//
// Text in, issues out: reading the file is the caller's (config/json.ts on Node, a web page's
// own), so that a study parses in a browser worker too.

import { pointer, type Issue } from './issues.ts';

export type JsonRead = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly Issue[] };

/** Parse JSON text; a syntax error or a repeated key is an issue at its line and column. */
export function parseJson(text: string): JsonRead {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problems = scan(body);
  if (problems.length > 0) return { ok: false, issues: problems.map((p) => ({ ...lineCol(body, p.offset), path: p.path, message: p.message })) };
  return { ok: true, value: JSON.parse(body) };
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}

interface Problem {
  offset: number;
  path: string;
  message: string;
}

class Stop extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const MAX_DEPTH = 100;

/** The first syntax error (scanning stops there), after any repeated keys found before it. */
function scan(text: string): Problem[] {
  const problems: Problem[] = [];
  let i = 0;
  const fail = (message: string, at = i, path = ''): never => {
    problems.push({ offset: at, path, message });
    throw new Stop();
  };
  const found = () => {
    if (i >= text.length) return 'the end of the file';
    const w = (WORD.lastIndex = i, WORD.exec(text));
    return w ? `'${w[0]}'` : `'${text[i]}'`;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = () => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('a string is not closed (missing ")', start);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 0x20) fail(c === 10 ? 'a string runs to the end of the line (missing ", or write \\n)' : 'a control character in a string');
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`'\\${e ?? ''}' is not a JSON escape`);
      } else {
        i++;
      }
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  let depth = 0;
  const value = (path: string): void => {
    ws();
    // The scanner recurses; JSON.parse would not mind, but no configuration nests this deep.
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    const c = text[i];
    if (c === '{' || c === '[') {
      depth++;
      if (c === '{') object(path);
      else array(path);
      depth--;
      return;
    }
    if (c === '"') return void string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) fail(`${found()} is not a JSON number`);
      i += m![0].length;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    const what = found();
    fail(`expected a value, found ${what}${/^'(NaN|Infinity|undefined)'$/.test(what) ? ' (not JSON: write a number or a string)' : ''}`);
  };
  const object = (path: string) => {
    i++;
    const keys = new Set<string>();
    ws();
    if (text[i] === '}') return void i++;
    for (;;) {
      ws();
      if (text[i] !== '"') {
        fail(text[i] === '}' ? "a comma before '}' (JSON has no trailing commas)"
          : text[i] === "'" ? 'a key in single quotes (JSON needs double quotes)' : `expected a key in double quotes, found ${found()}`);
      }
      const at = i;
      const key = string();
      if (keys.has(key)) problems.push({ offset: at, path: pointer(path, key), message: `the key '${key}' appears twice in one object` });
      keys.add(key);
      ws();
      if (text[i] !== ':') fail(`expected ':' after the key '${key}', found ${found()}`);
      i++;
      value(pointer(path, key));
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') return void i++;
      fail(`expected ',' or '}' after the value of '${key}', found ${found()}`);
    }
  };
  const array = (path: string) => {
    i++;
    ws();
    if (text[i] === ']') return void i++;
    for (let n = 0; ; n++) {
      ws();
      if (text[i] === ']') fail("a comma before ']' (JSON has no trailing commas)");
      value(pointer(path, n));
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') return void i++;
      fail(`expected ',' or ']' after a list element, found ${found()}`);
    }
  };
  try {
    ws();
    if (i === text.length) fail('the file is empty (expected a JSON object)', 0);
    value('');
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return problems;
}
