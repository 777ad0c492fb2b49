// pager.js: lab 4's shadow pager, the reference solution: the starter (guest-programs/init/
// pager.js, which `vmmlab lab init 4` copies) with every TODO done. One shadow root, rebuilt
// from nothing when the guest switches address spaces or turns paging on or off; every frame
// the software walk reads a guest table from is write-protected in the shadow, and a store to one
// is emulated and answered by dropping the whole shadow (simple, and slow where the built-in
// pager keeps per-entry sync: the scorecard's costs show by how much). docs/labs/04-shadow-pager.md.

export default function createPager(vmm) {
  const { PTE, CR, STATUS, ACCESS, CAUSE, PTBR_ROOT_MASK, PTBR_KEEP, PAGE_SIZE } = vmm.arch;

  /** The shadow directory the hardware walks (host-physical), made on the first VM entry. */
  let root = -1;
  /** Shadow page tables, by directory index. */
  const tables = new Map();
  /** Guest frames (frame numbers) the software walk has read a page table from: never writable in the shadow. */
  const protectedFrames = new Set();

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
    protect(directory);
    const pdeAddr = directory + (va >>> 22) * 4;
    const pde = vmm.readGuestPte(pdeAddr);
    if (pde === undefined) return { ok: false, notPresent: false };
    if (!(pde & PTE.V)) return { ok: false, notPresent: true };
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return { ok: false, notPresent: true }; // a misaligned superpage (6.2 step 3)
      return { ok: true, leaf: pde, leafAddr: pdeAddr, guestPhys: ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0 };
    }
    const table = (pde & PTE.FRAME_MASK) >>> 0;
    protect(table);
    const pteAddr = table + ((va >>> 12) & 0x3ff) * 4;
    const pte = vmm.readGuestPte(pteAddr);
    if (pte === undefined) return { ok: false, notPresent: false };
    if (!(pte & PTE.V)) return { ok: false, notPresent: true };
    return { ok: true, leaf: pte, leafAddr: pteAddr, guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0 };
  }

  /** A guest frame holds a page table: from now on no shadow entry may map it writable. */
  function protect(guestPhys) {
    const frame = guestPhys >>> 12;
    if (protectedFrames.has(frame)) return;
    protectedFrames.add(frame);
    dropShadow(); // an entry filled earlier may map it writable, and so may the TLB
  }

  /** Forget every shadow entry (the root stays): they are refilled, hidden fault by hidden fault. */
  function dropShadow() {
    for (const [index, table] of tables) {
      vmm.writeEntry(root, index, 0);
      vmm.freeTable(table);
    }
    tables.clear();
    vmm.flushTlbVm();
  }

  /** A new, empty shadow for the guest's current tables (after PTBR or PG changed). */
  function rebuild() {
    for (const table of tables.values()) vmm.freeTable(table);
    tables.clear();
    protectedFrames.clear();
    if (root >= 0) vmm.freeTable(root); // the hardware still points at it until switchRoot: that is allowed
    root = vmm.allocTable(0);
  }

  /** Install the shadow entry for va from the guest's leaf: the host frame behind its guest frame. */
  function fill(va, walk) {
    const index = va >>> 22;
    let table = tables.get(index);
    if (table === undefined) {
      table = vmm.allocTable(1);
      tables.set(index, table);
      vmm.writeEntry(root, index, table | PTE.V);
    }
    const frame = walk.guestPhys >>> 12;
    // Writable only once the guest's D is set, so that the first store faults here and sets it;
    // never for a frame holding a guest page table, so that every store to one exits.
    const writable = (walk.leaf & PTE.W) && (walk.leaf & PTE.D) && !protectedFrames.has(frame);
    const global = pagingOff() ? 0 : walk.leaf & PTE.G;
    const host = vmm.backing(frame * PAGE_SIZE);
    vmm.writeEntry(table, (va >>> 12) & 0x3ff, host | PTE.V | PTE.A | PTE.D | (walk.leaf & (PTE.X | PTE.U)) | global | (writable ? PTE.W : 0));
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
      rebuild();
      vmm.switchRoot(root, { keep: (e.value & PTBR_KEEP) !== 0, pagingOff: pagingOff() });
    },

    /** The guest turned paging on or off (isa/README.md 4.3): the shadow of the other world is wrong now. */
    pagingChange() {
      rebuild();
      vmm.switchRoot(root, { keep: true, pagingOff: pagingOff() });
    },

    /**
     * A page fault in the shadow: a hidden fault to fill, or a true fault to give the guest
     * (isa/README.md 5.1, 6.2). e.va, e.access (ACCESS.FETCH, LOAD, STORE), e.user.
     */
    pageFault(e) {
      const walk = walkGuest(e.va);
      if (!walk.ok) return vmm.injectFault(walk.notPresent ? vmm.arch.notPresentCause(e.access) : CAUSE.BUS_ERROR, e.va);
      if (!vmm.arch.permits(walk.leaf, e.access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(e.access), e.va);
      if (walk.leafAddr >= 0) {
        const want = PTE.A | (e.access === ACCESS.STORE ? PTE.D : 0);
        if ((walk.leaf & want) !== want) vmm.writeGuestPte(walk.leafAddr, (walk.leaf = (walk.leaf | want) >>> 0));
      }
      if (vmm.isMmio(walk.guestPhys)) return vmm.emulateMmio(walk.guestPhys);
      if (!vmm.isGuestRam(walk.guestPhys)) return vmm.refuse(e.va);
      if (e.access === ACCESS.STORE && protectedFrames.has(walk.guestPhys >>> 12)) {
        vmm.emulateStore(walk.guestPhys);
        dropShadow();
        return 'pt-write';
      }
      fill(e.va, walk);
      return 'hidden-fault';
    },

    /** The guest's invlpg (isa/README.md 6.4). */
    invlpg(e) {
      // The shadow follows every table write, so only the TLB may hold the old translation: of a
      // superpage as 4 KiB pieces, so the whole 4 MiB around va goes.
      const base = (e.va & 0xffc00000) >>> 0;
      vmm.flushTlbRange(base, base + 0x400000);
    },

    /** The guest's tlbflush. */
    tlbflush() {
      vmm.flushTlbAll();
    },
  };
}
