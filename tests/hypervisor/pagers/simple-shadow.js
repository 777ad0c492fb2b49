// A simple shadow pager written against the public pager API only (docs/pager-api.md), in plain
// JavaScript, as a student would write lab 4: one shadow root, rebuilt from scratch whenever the
// guest switches address spaces, guest page tables write-protected, every store to one emulated
// and answered by dropping the whole shadow. Slow where the built-in shadow pager is clever (no
// root cache, no per-entry sync), but correct: `vmmlab check-pager` gives it full marks.
//
// `makeShadowPager(vmm, bugs)` can leave out one thing a shadow pager must do, for the
// seeded-bug pagers beside it (each a one-line module): `writeProtect: false` (guest page
// tables are mapped writable like any page, and stores to them are not seen), `accessedDirty:
// false` (the guest's A and D bits are never set), `flushOnPtbrWrite: false` (a PTBR write keeps
// the TLB's entries, as if KEEP were always set).

export function makeShadowPager(vmm, bugs = {}) {
  const { PTE, CR, STATUS, ACCESS, CAUSE, PTBR_ROOT_MASK, PTBR_KEEP, PAGE_SIZE } = vmm.arch;
  const writeProtect = bugs.writeProtect !== false;
  const accessedDirty = bugs.accessedDirty !== false;
  const flushOnPtbrWrite = bugs.flushOnPtbrWrite !== false;

  let root = -1; // the shadow directory (host-physical)
  let pagingOff = false;
  const tables = new Map(); // directory index -> shadow page table
  const protectedFrames = new Set(); // guest frames holding the guest's page tables

  /** Drop every shadow table and start again from an empty directory (the old root goes when the new one is loaded). */
  function rebuild() {
    for (const table of tables.values()) vmm.freeTable(table);
    tables.clear();
    if (root >= 0) vmm.freeTable(root);
    protectedFrames.clear();
    root = vmm.allocTable(0);
    pagingOff = !(vmm.readGuestCr(CR.STATUS) & STATUS.PG);
  }

  /** Forget every shadow entry (after a store to a guest page table, or a new table to protect). */
  function zapAll() {
    for (const [index, table] of tables) {
      vmm.writeEntry(root, index, 0);
      vmm.freeTable(table);
    }
    tables.clear();
    vmm.flushTlbVm();
  }

  /** isa/README.md 6.2, in software: the guest's leaf for va, or why there is none. */
  function walk(va) {
    if (pagingOff) return { ok: true, leaf: PTE.V | PTE.W | PTE.X | PTE.U | PTE.A | PTE.D, leafAddr: -1, guestPhys: va };
    const dir = (vmm.readGuestCr(CR.PTBR) & PTBR_ROOT_MASK) >>> 0;
    protect(dir >>> 12);
    const pdeAddr = dir + (va >>> 22) * 4;
    const pde = vmm.readGuestPte(pdeAddr);
    if (pde === undefined) return { ok: false, cause: CAUSE.BUS_ERROR };
    if (!(pde & PTE.V)) return { ok: false, notPresent: true };
    if (pde & PTE.L) {
      if (pde & 0x003ff000) return { ok: false, notPresent: true };
      return { ok: true, leaf: pde, leafAddr: pdeAddr, guestPhys: ((pde & 0xffc00000) | (va & 0x003fffff)) >>> 0 };
    }
    const pt = (pde & PTE.FRAME_MASK) >>> 0;
    protect(pt >>> 12);
    const pteAddr = pt + ((va >>> 12) & 1023) * 4;
    const pte = vmm.readGuestPte(pteAddr);
    if (pte === undefined) return { ok: false, cause: CAUSE.BUS_ERROR };
    if (!(pte & PTE.V)) return { ok: false, notPresent: true };
    return { ok: true, leaf: pte, leafAddr: pteAddr, guestPhys: ((pte & PTE.FRAME_MASK) | (va & 0xfff)) >>> 0 };
  }

  /** A guest frame holds a page table: no shadow entry may map it writable from now on. */
  function protect(frame) {
    if (!writeProtect || protectedFrames.has(frame)) return;
    protectedFrames.add(frame);
    zapAll();
  }

  /** The shadow entry for va, from the guest's leaf. */
  function fill(va, w) {
    const index = va >>> 22;
    let table = tables.get(index);
    if (table === undefined) {
      table = vmm.allocTable(1);
      tables.set(index, table);
      vmm.writeEntry(root, index, table | PTE.V);
    }
    const frame = w.guestPhys >>> 12;
    const host = vmm.backing(frame * PAGE_SIZE);
    const dirtyOk = accessedDirty ? (w.leaf & PTE.D) !== 0 : true;
    const writable = (w.leaf & PTE.W) !== 0 && dirtyOk && !protectedFrames.has(frame);
    const global = pagingOff ? 0 : w.leaf & PTE.G;
    vmm.writeEntry(table, (va >>> 12) & 1023, host | PTE.V | PTE.A | PTE.D | (w.leaf & (PTE.X | PTE.U)) | global | (writable ? PTE.W : 0));
  }

  return {
    translation: 'shadow',

    vmEntry() {
      if (root < 0) rebuild();
      vmm.loadRoot(root, { pagingOff });
    },

    ptbrRead() {
      return vmm.readGuestCr(CR.PTBR);
    },

    ptbrWrite(e) {
      rebuild();
      vmm.switchRoot(root, { keep: !flushOnPtbrWrite || (e.value & PTBR_KEEP) !== 0, pagingOff });
    },

    pagingChange() {
      rebuild();
      vmm.switchRoot(root, { keep: true, pagingOff });
    },

    pageFault(e) {
      const w = walk(e.va);
      if (!w.ok) return vmm.injectFault(w.notPresent ? vmm.arch.notPresentCause(e.access) : w.cause, e.va);
      if (!vmm.arch.permits(w.leaf, e.access, e.user)) return vmm.injectFault(vmm.arch.protectionCause(e.access), e.va);
      if (accessedDirty && w.leafAddr >= 0) {
        const want = PTE.A | (e.access === ACCESS.STORE ? PTE.D : 0);
        if ((w.leaf & want) !== want) vmm.writeGuestPte(w.leafAddr, (w.leaf |= want));
      }
      if (vmm.isMmio(w.guestPhys)) return vmm.emulateMmio(w.guestPhys);
      if (!vmm.isGuestRam(w.guestPhys)) return vmm.refuse(e.va);
      if (e.access === ACCESS.STORE && protectedFrames.has(w.guestPhys >>> 12)) {
        // A write to a protected frame: do it for the guest, then forget what was built from it.
        vmm.emulateStore(w.guestPhys);
        zapAll();
        return 'pt-write';
      }
      fill(e.va, w);
      return 'hidden-fault';
    },

    invlpg(e) {
      // The shadow follows every table write, so only the TLB may hold the old translation
      // (for a superpage, as several 4 KiB pieces: the whole 4 MiB goes).
      const base = (e.va & 0xffc00000) >>> 0;
      vmm.flushTlbRange(base, base + 0x400000);
    },

    tlbflush() {
      vmm.flushTlbAll();
    },
  };
}

export default function createPager(vmm) {
  return makeShadowPager(vmm);
}
