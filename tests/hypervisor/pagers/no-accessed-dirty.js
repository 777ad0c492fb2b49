// Seeded bug: the guest's Accessed and Dirty bits are never set (isa/README.md 6.2 step 7): the
// pager fills shadow entries, writable when the guest allows writes, without writing A and D back
// into the guest's entries. check-pager's "ad-bits" check catches it. (simple-shadow.js, one thing left out.)
import { makeShadowPager } from './simple-shadow.js';

export default (vmm) => makeShadowPager(vmm, { accessedDirty: false });
