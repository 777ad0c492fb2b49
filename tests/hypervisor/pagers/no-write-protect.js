// Seeded bug: guest page tables are not write-protected. The shadow maps them writable like any
// page, so the guest's stores to its own PTEs never exit and the shadow keeps the old entries.
// check-pager's "pt-write" check catches it. (simple-shadow.js, one thing left out.)
import { makeShadowPager } from './simple-shadow.js';

export default (vmm) => makeShadowPager(vmm, { writeProtect: false });
