// What a pager module must export, checked the same way wherever its text comes from: a file
// (node/pager-loader.ts, `--pager FILE`) or the playground's editor (web/pager-module.ts). A
// module that does not have it is a PagerLoadError: one line naming the file, never a stack.

import type { PagerFactory, PagerModule, Translation } from '../hypervisor/pager.ts';
import { PagerError } from '../hypervisor/pager-host.ts';
import { pagerTranslation } from '../hypervisor/vmm.ts';

export class PagerLoadError extends Error {}

/** The factory a module exports: its default export, or `createPager`. A class is constructed with `new`. */
export function factoryOf(exports: Record<string, unknown>, file: string): PagerFactory {
  const candidate = typeof exports.default === 'function' ? exports.default : exports.createPager;
  if (typeof candidate !== 'function') {
    const names = Object.keys(exports);
    throw new PagerLoadError(`pager '${file}' exports no factory: export default function createPager(vmm) { return { translation: 'shadow', … } } (it exports ${names.length > 0 ? names.join(', ') : 'nothing'}); docs/pager-api.md`);
  }
  const fn = candidate as (...args: unknown[]) => unknown;
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) {
    const Ctor = fn as unknown as new (...args: unknown[]) => unknown;
    return ((vmm, settings) => new Ctor(vmm, settings)) as PagerFactory;
  }
  return ((vmm, settings) => fn(vmm, settings)) as PagerFactory;
}

/** The translation the module's pager declares (made once to ask); a pager that cannot say is a PagerLoadError. */
export function translationOf(module: PagerModule): Translation {
  try {
    return pagerTranslation(module);
  } catch (e) {
    if (e instanceof PagerError) throw new PagerLoadError(e.message);
    throw e;
  }
}
