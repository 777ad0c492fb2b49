// Seeded bug: a PTBR write keeps the TLB's entries, as if the guest always set KEEP, so the old
// address space's translations serve the new one. check-pager's "ptbr-switch" check catches it.
// (simple-shadow.js, one thing left out.)
import { makeShadowPager } from './simple-shadow.js';

export default (vmm) => makeShadowPager(vmm, { flushOnPtbrWrite: false });
