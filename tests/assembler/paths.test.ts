// The assembler's own path arithmetic (assembler/paths.ts) agrees with node:path on POSIX paths.

import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirname, isAbsolute, join, normalize } from '../../assembler/paths.ts';

const CASES = ['a.s', 'dir/a.s', '/abs/dir/a.s', './a.s', '../up/a.s', 'a/../b/./c.inc', '/a/../../b', 'x//y///z', '/', '.', '..', '../..', 'a/..'];

describe('assembler paths', () => {
  it.each(CASES)('case %s: dirname, normalize and isAbsolute as node:path', (p) => {
    expect(dirname(p)).toBe(path.posix.dirname(p));
    expect(normalize(p)).toBe(path.posix.normalize(p).replace(/(.)\/$/, '$1'));
    expect(isAbsolute(p)).toBe(path.posix.isAbsolute(p));
  });

  it.each([['dir', 'a.inc'], ['.', 'a.inc'], ['/lib', '../x.inc'], ['a/b', '../../../c.inc'], ['/', 'x']])('join(%s, %s) as node:path', (d, n) => {
    expect(join(d, n)).toBe(path.posix.join(d, n));
  });

  it('takes Windows separators and drive letters too', () => {
    expect(dirname('C:\\src\\a.s')).toBe('C:\\src');
    expect(join('C:\\src', 'lib\\x.inc')).toBe('C:/src/lib/x.inc');
    expect(isAbsolute('C:\\src')).toBe(true);
  });
});
