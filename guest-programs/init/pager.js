// pager.js: a shadow pager of your own, a starter. vmmlab runs a guest under it instead of its
// built-in shadow pager, and grades it:
//
//     npx vmmlab run paging.s --pager pager.js        a guest under your pager
//     npx vmmlab check-pager pager.js                 the scorecard: what works, what to fix
//
// The pager API (docs/pager-api.md in vmmlab's package): the VMM calls the handlers below when
// the guest does something a shadow pager must see, and `vmm` is everything the pager may do:
// read the guest's registers and page tables, allocate and write its own tables (the shadow),
// point the hardware at them, flush the TLB, inject a fault. The ISA sections named below are in
// vmmlab's isa/README.md.
//
// The idea (isa/README.md 6): the guest keeps its own page tables and thinks PTBR points at them.
// The hardware really walks *your* tables, which map guest-virtual addresses straight to the host
// frames behind the guest's memory (vmm.backing). You fill them lazily: every access the shadow
// does not map yet faults into pageFault, where you walk the guest's tables in software and
// either fill the entry (a hidden fault: the guest never sees it) or give the guest the fault it
// would have taken natively (a true fault).
//
// Each TODO is one step; `vmmlab check-pager pager.js` says which check fails and why. This file
// is plain JavaScript (an ES module); a .ts file works too (docs/pager-api.md, "TypeScript").

export default function createPager(vmm) {
  const { PTE, CR, STATUS, ACCESS, CAUSE, PTBR_ROOT_MASK, PTBR_KEEP, PAGE_SIZE } = vmm.arch;

  /** The shadow directory the hardware walks (host-physical), made on the first VM entry. */
  let root = -1;
  /** Shadow page tables, by directory index. */
  const tables = new Map();

  /** Is the guest running with paging off (STATUS.PG = 0, isa/README.md 4.3)? */
  const pagingOff = () => !(vmm.readGuestCr(CR.STATUS) & STATUS.PG);

  /**
   * Walk the guest's tables for va in software, as the hardware would natively (isa/README.md
   * 6.2, steps 1 to 5; superpages 6.3): the guest's leaf entry, its guest-physical address, and
   * the guest-physical address of the entry (to set A and D in it), or why there is none.
   * With paging off, va is the guest-physical address and everything is allowed.
   */
  function walkGuest(va) {
    if (pagingOff()) return { ok: true, leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va };
    const directory = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    // TODO: read the directory entry for va (vmm.readGuestPte; undefined means a bus error),
    // then the page-table entry, checking V (and L for a superpage) at each step.
    void directory;
    return { ok: false, notPresent: true };
  }

  /** Install the shadow entry for va from the guest's leaf: the host frame behind its guest frame. */
  function fill(va, walk) {
    // TODO: find or make (vmm.allocTable(1)) the shadow page table under directory index
    // va >>> 22, link it into the root (vmm.writeEntry(root, index, table | PTE.V)), and write
    // the entry: vmm.backing(guestPhys) | PTE.V | the guest's X and U bits, and W only when the
    // guest allows writes *and* its D bit is set (so that the first store faults and sets D).
    void va;
    void walk;
    void tables;
  }

  return {
    translation: 'shadow',

    /** Every VM entry: point the hardware at the shadow. */
    vmEntry() {
      if (root < 0) root = vmm.allocTable(0);
      vmm.loadRoot(root, { pagingOff: pagingOff() });
    },

    /** The real PTBR holds the shadow's root: the guest reads its own value (isa/README.md 4.4). */
    ptbrRead() {
      return vmm.readGuestCr(CR.PTBR);
    },

    /** The guest switched address spaces (isa/README.md 4.4, 6.4). */
    ptbrWrite(e) {
      // TODO: the shadow built from the old tables does not fit the new ones: drop it (free
      // its tables), start a new root, and load it like the guest's own write would:
      // vmm.switchRoot(root, { keep: (e.value & PTBR_KEEP) !== 0, pagingOff: pagingOff() }).
      void e;
      void PTBR_KEEP;
    },

    /** The guest turned paging on or off (isa/README.md 4.3): the shadow of the other world is wrong now. */
    pagingChange() {
      // TODO: as for ptbrWrite; changing PG flushes nothing natively, so keep: true.
    },

    /**
     * A page fault in the shadow: a hidden fault to fill, or a true fault to give the guest
     * (isa/README.md 5.1, 6.2). e.va, e.access (ACCESS.FETCH, LOAD, STORE), e.user.
     */
    pageFault(e) {
      const walk = walkGuest(e.va);
      if (!walk.ok) {
        // TODO: give the guest what it would get natively: a page fault (vmm.arch.notPresentCause),
        // or a bus error (CAUSE.BUS_ERROR) when its tables lie outside RAM.
        return vmm.injectFault(walk.notPresent ? vmm.arch.notPresentCause(e.access) : CAUSE.BUS_ERROR, e.va);
      }
      // TODO: the leaf's permissions (isa/README.md 6.2 step 6): vmm.arch.permits(leaf, access, user),
      // else vmm.injectFault(vmm.arch.protectionCause(e.access), e.va).
      // TODO: A and D (step 7): set them in the guest's entry (vmm.writeGuestPte(walk.leafAddr, …)).
      // TODO: a device register: return vmm.emulateMmio(walk.guestPhys); past the guest's RAM:
      // return vmm.refuse(e.va) (isa/README.md 7).
      // TODO: a store to one of the guest's own page tables (a protected frame): do it with
      // vmm.emulateStore(walk.guestPhys), drop the shadow entries built from what it changed,
      // and return 'pt-write' (isa/README.md 6.4; docs/pager-api.md).
      void ACCESS;
      fill(e.va, walk);
      return 'hidden-fault';
    },

    /** The guest's invlpg (isa/README.md 6.4). */
    invlpg(e) {
      // TODO: the TLB may hold the page's old translation (a superpage as 4 KiB pieces):
      // vmm.flushTlbPage(e.va), or vmm.flushTlbRange over its 4 MiB.
      void e;
      void PAGE_SIZE;
    },

    /** The guest's tlbflush. */
    tlbflush() {
      vmm.flushTlbAll();
    },
  };
}
