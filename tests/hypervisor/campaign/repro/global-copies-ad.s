; global-copies-ad.s (found by the campaign, privileged #723 at scale 20): which copy of a Global
; entry gets its Accessed bit depends on the TLB.
;
; Two address spaces (ASIDs 1 and 2) hold identical copies of one Global superpage entry (PD_A[4]
; and PD_B[4], A = 0), as a kernel that copies its Global kernel mappings into every directory
; does. A load in space B walks PD_B and sets A there; back in space A the same page is served by
; the Global TLB entry, so PD_A[4] keeps A = 0, natively with the default TLB. Under shadow paging
; and under EPT over 4 KiB EPT pages (the superpage is cached as 4 KiB pieces, and space A loads
; from another piece), or natively with a TLB too small to keep the entry, the load in space A
; walks PD_A and sets its A. The guest follows every
; rule of isa/README.md 6.4-6.5, and --check-tlb-rules reports nothing; yet its memory differs.
; Prints PD_A[4] and PD_B[4], then powers off.
;   vmmlab run tests/hypervisor/campaign/repro/global-copies-ad.s [--mode shadow|ept] [--tlb-entries 2 --tlb-ways 1]
; prints "0x00000091 0x000000b1" natively, "0x000000b1 0x000000b1" in the three other settings.

    .include "../../../../guest-programs/lib/console.inc"

    .equ PD_A, 0x7000
    .equ PD_B, 0x8000
    .equ PT0, 0x9000                ; identity map of 0..64 KiB, shared
    .equ SUPER, 0x00000000 | PTE_V | PTE_L | PTE_G   ; over physical 0, A = 0

    .global _start
_start:
    li    t0, PT0
    li    t2, 0
    li    t3, 16
1:  slli  t1, t2, 12
    ori   t1, t1, PTE_V | PTE_W | PTE_X | PTE_A | PTE_D
    slli  t4, t2, 2
    add   t4, t4, t0
    sw    t1, 0(t4)
    addi  t2, t2, 1
    bne   t2, t3, 1b
    li    t1, PT0 | PTE_V
    li    t2, SUPER
    li    t3, 0xF0000000 | PTE_V | PTE_W | PTE_L | PTE_A | PTE_D
    li    t0, PD_A
    sw    t1, 0(t0)
    sw    t2, 16(t0)                ; PD_A[4]: VA 0x01000000
    sw    t3, 0xF00(t0)
    li    t0, PD_B
    sw    t1, 0(t0)
    sw    t2, 16(t0)                ; PD_B[4]: the same entry
    sw    t3, 0xF00(t0)

    li    t0, PD_B | 2
    mtcr  ptbr, t0
    li    t0, STATUS_MODE | STATUS_PG
    mtcr  status, t0
    li    s1, 0x01005000
    lw    zero, 0(s1)               ; space B: walks PD_B[4], sets its A; a Global TLB entry
    lw    zero, 0x2000(zero)        ; (in a 2-entry direct-mapped TLB this evicts it)
    li    t0, PD_A | 1
    mtcr  ptbr, t0                  ; drops ASID 1's non-Global entries only
    lw    zero, 0x1000(s1)          ; space A, another 4 KiB of the superpage: natively the Global
                                    ; superpage entry serves it; a 4 KiB piece of it would not

    li    t0, PD_A
    lw    a0, 16(t0)
    call  puthex
    li    a0, ' '
    call  putc
    li    t0, PD_B
    lw    a0, 16(t0)
    call  puthex
    li    a0, 10
    call  putc
    li    t0, POWER_OFF
    sw    zero, 0(t0)
2:  j     2b
