; pv-foreign.s: a PV guest (isa/README.md 3.8.1) tries to reach frames it does not own through
; its hypercalls: leaves and superpages naming guest-physical frames past its 2 MiB of RAM, a
; PTBR and a pin past RAM, a page-table entry address past RAM. Each is refused with EPERM and
; changes nothing: the entry still reads 0, and a load through the address still faults. A leaf
; for its own device window is accepted (devices are the guest's own). Expected output:
; "done, 0 failed".

    .include "pv-lib.inc"

    .global _start
_start:
    call pv_setup
    MMU1 PT0 + 0x300 * 4, 0x00300000 | PTE_V | PTE_W    ; 3 MiB: past RAM
    EXPECT a0, EPERM, 1
    EXPECT a1, 0, 2
    MMU1 PT0 + 0x300 * 4, 0x7ff00000 | PTE_V             ; far past RAM, read-only
    EXPECT a0, EPERM, 3
    MMU1 PT0 + 0x300 * 4, 0xfffff000 | PTE_V | PTE_U     ; the last frame there is
    EXPECT a0, EPERM, 4
    PEEK t0, PT0 + 0x300 * 4
    EXPECT t0, 0, 5
    MMU1 PD + 8, 0x00400000 | PTE_V | PTE_W | PTE_L      ; a superpage wholly past RAM
    EXPECT a0, EPERM, 6
    MMU1 PD + 8, 0x00800000 | PTE_V                      ; a page table past RAM
    EXPECT a0, EPERM, 7
    PEEK t0, PD + 8
    EXPECT t0, 0, 8
    li a0, 0x00300000 | 1                                ; a root past RAM
    hcall HC_SET_PTBR
    EXPECT a0, EPERM, 9
    mfcr t0, ptbr
    EXPECT t0, PD | 1, 10
    li a0, 0x00300000
    li a1, 0
    hcall HC_PIN_TABLE
    EXPECT a0, EPERM, 11
    MMU1 0x00300000, 0x1000 | PTE_V                      ; an entry address past RAM
    EXPECT a0, EPERM, 12
    ; The address 3 MiB is not mapped: a load faults (not present).
    la t0, last_cause
    li t1, -1
    sw t1, 0(t0)
    li t0, 0x00300000
    lw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_LOAD_PAGE_FAULT, 13
    ; The device window is the guest's own: a leaf for it is accepted, and it works.
    MMU1 PT0 + 0x300 * 4, 0xF0000000 | PTE_V | PTE_W
    EXPECT a0, 0, 14
    li t0, 0x00300000 + 0x10                             ; POWER_OFF through the new leaf
    li t1, 0
    PEEK t2, failures
    bnez t2, 1f
    print_str msg_ok
    li t0, 0x00300000 + 0x10
    sw zero, 0(t0)
1:  done

msg_ok: .asciz "done, 0 failed\n"
    .align 4
