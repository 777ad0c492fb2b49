// agile-root.js starting with a (paging-off, empty) shadowed root and switching at the root at
// its first page fault.
import { makeAgileRootPager } from './agile-root.js';

export default function createPager(vmm) {
  return makeAgileRootPager(vmm, { shadowFirst: true });
}
