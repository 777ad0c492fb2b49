// A broken agile pager: after switching at the root (loadGuestRoot) it calls switchRoot, which
// only a pager with a shadowed root may. The VMM stops the guest with a PagerError naming it.
import { makeAgileRootPager } from './agile-root.js';

export default function createPager(vmm) {
  return makeAgileRootPager(vmm, { shadowFirst: true, switchRootAfterGuestRoot: true });
}
