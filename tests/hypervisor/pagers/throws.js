// A pager that throws: its page-fault handler reads a property of undefined on the first page
// fault. check-pager (and run) must report it cleanly: the pager, the event, the line.
import { makeShadowPager } from './simple-shadow.js';

export default function createPager(vmm) {
  const pager = makeShadowPager(vmm);
  const tables = undefined;
  return {
    ...pager,
    pageFault(e) {
      if (e.va >= 0x1000) return tables.lookup(e.va); // the bug: tables is undefined
      return pager.pageFault(e);
    },
  };
}
