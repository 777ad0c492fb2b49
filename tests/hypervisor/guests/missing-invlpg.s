; missing-invlpg.s: a kernel that forgets `invlpg` (for --check-tlb-rules).
;
; VA 0x5000 maps frame A (0x10000) and is read; then the kernel remaps it to frame B (0x11000)
; and reads it again without invalidating it. The ISA lets the
; second read return A's data (natively and under EPT, the stale TLB entry) or B's (shadow
; paging in wp mode drops the shadow entry at once): the result depends on the mode. The checker
; must name the store at `remap:` and the load at `stale_read:`, in every mode. The test also
; runs a copy with the `invlpg` put back (the line marked FIX), on which the checker is silent.
; Prints nothing; powers off with 0.

    .include "../../../guest-programs/lib/console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000
    .equ FRAME_A, 0x10000
    .equ FRAME_B, 0x11000

    .global _start
_start:
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)
    li t0, PT
    li t1, 0x0000 | PTE_V | PTE_X   ; code: pages 0..3
    sw t1, 0(t0)
    li t1, 0x1000 | PTE_V | PTE_X
    sw t1, 4(t0)
    li t1, 0x2000 | PTE_V | PTE_X
    sw t1, 8(t0)
    li t1, 0x3000 | PTE_V | PTE_X
    sw t1, 12(t0)
    li t1, FRAME_A | PTE_V | PTE_W
    sw t1, 0x14(t0)                 ; VA 0x5000 -> A
    li t1, PT | PTE_V | PTE_W
    sw t1, 0x20(t0)                 ; VA 0x8000 -> the page table itself
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li t2, 0x5000
    lw s0, 0(t2)
    li t0, PT + 0x14
    li t1, FRAME_B | PTE_V | PTE_W
remap:
    sw t1, 0(t0)                    ; VA 0x5000 -> B
    nop                             ; FIX: invlpg t2
stale_read:
    lw s1, 0(t2)
    li t0, STATUS_MODE
    mtcr status, t0
    poweroff 0
