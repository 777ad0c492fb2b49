; ptbr-switch.s: a PTBR write without KEEP drops the translations of the address space left
; (isa/README.md 4.4 and 6.4), even with the same ASID.
;
; Two page directories, both ASID 0, map VA 0x00400000 to different frames: A's to a frame
; holding 0xaaaaaaaa, B's to one holding 0xbbbbbbbb. The kernel reads the VA under A, writes PTBR
; with B (no KEEP) and reads it again: it must see B's word; then back to A, and so on, ten
; times. A pager that keeps the TLB's entries across the switch serves the old address space's
; word. Prints "10 switches, 0 stale reads" and powers off with 0.

    .include "console.inc"

    .equ PD_A, 0x10000
    .equ PD_B, 0x11000
    .equ PT0, 0x12000               ; shared: the kernel's identity map
    .equ PT_A, 0x13000
    .equ PT_B, 0x14000
    .equ FRAME_A, 0x20000
    .equ FRAME_B, 0x21000
    .equ VA, 0x00400000

    .global _start
_start:
    li s0, 0                        ; switches
    li s1, 0                        ; stale reads
    li t0, PD_A
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li s2, VA
1:  li t0, PD_A
    mtcr ptbr, t0
    lw t1, 0(s2)
    li t2, 0xaaaaaaaa
    beq t1, t2, 2f
    addi s1, s1, 1
2:  li t0, PD_B
    mtcr ptbr, t0
    lw t1, 0(s2)
    li t2, 0xbbbbbbbb
    beq t1, t2, 3f
    addi s1, s1, 1
3:  addi s0, s0, 1
    li t0, 10
    blt s0, t0, 1b
    li t0, STATUS_MODE
    mtcr status, t0                 ; paging off to print (the stack is not mapped)
    print_dec s0
    print_str switches_msg
    print_dec s1
    print_str stale_msg
    poweroff 0

switches_msg: .asciz " switches, "
stale_msg: .asciz " stale reads\n"

    .org PD_A
    .word PT0 | PTE_V
    .word PT_A | PTE_V
    .org PD_A + 0x3c0 * 4
    .word 0xF0000000 | PTE_V | PTE_W | PTE_L
    .org PD_B
    .word PT0 | PTE_V
    .word PT_B | PTE_V
    .org PD_B + 0x3c0 * 4
    .word 0xF0000000 | PTE_V | PTE_W | PTE_L
    .org PT0 + 4
    .word 0x1000 | PTE_V | PTE_X    ; code, identity
    .word 0x2000 | PTE_V | PTE_X
    .org PT_A
    .word FRAME_A | PTE_V | PTE_W
    .org PT_B
    .word FRAME_B | PTE_V | PTE_W
    .org FRAME_A
    .word 0xaaaaaaaa
    .org FRAME_B
    .word 0xbbbbbbbb
