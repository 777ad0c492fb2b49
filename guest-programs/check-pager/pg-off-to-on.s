; pg-off-to-on.s: translations used with paging off must not survive turning paging on.
;
; With STATUS.PG = 0 there is no translation and the TLB is not used (isa/README.md 6.1), so a
; kernel that builds its tables, writes PTBR (which flushes its ASID), reads a page with paging
; off and then turns paging on owes the TLB nothing: the next access to that virtual page must
; walk the tables. Here VA 0x5000 is mapped to the frame at 0x6000, so the read after PG = 1
; must see 0x22222222; the stale identity translation would give 0x11111111. Also checks that
; the walk after PG = 1 set the Accessed bit of the data PTE and of the code PTE.
; Prints "fresh" (expected) or "STALE", then powers off with 0.

    .include "console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000

    .global _start
_start:
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)                    ; directory entry 0 -> PT
    li t0, PT
    li t1, 0x1000 | PTE_V | PTE_X
    sw t1, 4(t0)                    ; code pages, identity
    li t1, 0x2000 | PTE_V | PTE_X
    sw t1, 8(t0)
    li t1, 0x6000 | PTE_V | PTE_W
    sw t1, 0x14(t0)                 ; VA 0x5000 -> 0x6000
    li t1, PT | PTE_V
    sw t1, 0x20(t0)                 ; the page table itself, identity (read below)
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L
    li t1, PD + 0x3c0 * 4
    sw t0, 0(t1)                    ; devices
    li t0, PD
    mtcr ptbr, t0
    li t0, 0x5000
    lw s0, 0(t0)                    ; paging off: physical 0x5000 = 0x11111111
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li t0, 0x5000
    lw s1, 0(t0)                    ; paging on: 0x22222222
    li t0, 0x22222222
    beq s1, t0, 1f
    print_str stale_msg
    j 2f
1:  print_str fresh_msg
2:  li t0, PT
    lw s2, 0x14(t0)                 ; the data PTE: A set by the walk
    lw s3, 4(t0)                    ; the code PTE: A set by the first fetch after PG = 1
    poweroff 0

stale_msg: .asciz "STALE\n"
fresh_msg: .asciz "fresh\n"

    .org 0x5000
    .word 0x11111111
    .org 0x6000
    .word 0x22222222
