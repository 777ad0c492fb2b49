// An agile pager of one's own, written against the public pager API only (docs/pager-api.md,
// "Agile pagers"), in plain JavaScript: the smallest one there is. It switches at the root for
// good (`vmm.nested.loadGuestRoot()`, API version 3), so the hardware walks the guest's own page
// tables and sends every guest-physical address through this pager's EPT: nested paging, built
// from the agile services. Its EPT maps 4 KiB pages on first touch (an EPT violation each).
// With `{ shadowFirst: true }` it first loads a shadow root and switches at the root at its
// first page fault, which exercises the way from a shadowed root to a nested one.

export function makeAgileRootPager(vmm, options = {}) {
  const { PTE, PAGE_SIZE, CAUSE } = vmm.arch;
  const nested = vmm.nested;
  const format = nested.format;
  const levels = format.levelBits.length;
  const eptRoot = nested.allocTable(0);
  let shadowRoot = options.shadowFirst ? vmm.allocTable(0) : -1;
  let atRoot = !options.shadowFirst;

  /** Bit position of the index at `level` of the EPT format. */
  function shift(level) {
    let s = 12;
    for (let l = levels - 1; l > level; l--) s += format.levelBits[l];
    return s;
  }

  /** Map guest frame `gpa` in the EPT: its backing host frame, readable, writable and executable. */
  function map(gpa) {
    const host = vmm.backing(gpa);
    let table = eptRoot;
    for (let level = 0; level < levels; level++) {
      const index = (gpa >>> shift(level)) & ((1 << format.levelBits[level]) - 1);
      if (level === levels - 1) {
        nested.writeEntry(table, index, ((host & ~0xfff) >>> 0) | PTE.V | PTE.W | PTE.X);
        return;
      }
      const entry = nested.readEntry(table, index);
      if (entry & PTE.V) table = (entry & PTE.FRAME_MASK) >>> 0;
      else {
        const next = nested.allocTable(level + 1);
        nested.writeEntry(table, index, next | PTE.V);
        table = next;
      }
    }
  }

  function switchAtRoot() {
    nested.loadRoot(eptRoot);
    nested.loadGuestRoot();
    vmm.flushTlbVm();
    if (shadowRoot >= 0) {
      vmm.freeTable(shadowRoot);
      shadowRoot = -1;
    }
    atRoot = true;
  }

  return {
    translation: 'agile',

    vmEntry() {
      nested.loadRoot(eptRoot);
      if (atRoot) nested.loadGuestRoot();
      else vmm.loadRoot(shadowRoot, { pagingOff: true });
    },

    // With a shadowed root (an empty one), the first fault is the moment to switch.
    pageFault(e) {
      if (atRoot) return vmm.injectFault(CAUSE.BUS_ERROR, e.va);
      if (options.switchRootAfterGuestRoot) {
        nested.loadGuestRoot();
        vmm.switchRoot(shadowRoot, { keep: false }); // against the rules: the root is the guest's now
      }
      switchAtRoot();
      return 'hidden-fault';
    },

    eptViolation(e) {
      if (vmm.isMmio(e.guestPhys)) return e.inTableWalk ? vmm.injectFault(CAUSE.BUS_ERROR, e.va) : vmm.emulateMmio(e.guestPhys);
      if (!vmm.isGuestRam(e.guestPhys)) return vmm.refuse(e.va);
      map((e.guestPhys & ~(PAGE_SIZE - 1)) >>> 0);
      return 'ept-violation';
    },
  };
}

export default function createPager(vmm) {
  return makeAgileRootPager(vmm);
}
