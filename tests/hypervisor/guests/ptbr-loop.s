; ptbr-loop.s: a kernel that switches address spaces in a loop: 200 PTBR writes alternating
; between two directories (ASIDs 1 and 2) that map the same code, reading one word through each.
; Under shadow paging every write exits (the VMM must switch shadows); under EPT none does.
; Prints the sum of the words read and powers off with 0.

    .include "../../../guest-programs/lib/console.inc"

    .equ PD_A, 0x10000
    .equ PD_B, 0x11000
    .equ PT0, 0x12000
    .equ PT_A, 0x13000
    .equ PT_B, 0x14000

    .global _start
_start:
    li t0, PD_A | 1
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li s0, 100
    li s1, 0
    li s2, 0x00400000
1:  li t0, PD_A | 1
    mtcr ptbr, t0
    lw t1, 0(s2)
    add s1, s1, t1
    li t0, PD_B | 2
    mtcr ptbr, t0
    lw t1, 0(s2)
    add s1, s1, t1
    addi s0, s0, -1
    bnez s0, 1b
    mv a0, s1
    call putdec
    print_char '\n'
    poweroff 0

    .org PD_A
    .word PT0 | PTE_V
    .word PT_A | PTE_V
    .org PD_A + 0x3c0 * 4
    .word 0xF0000000 | PTE_V | PTE_W | PTE_L | PTE_G
    .org PD_B
    .word PT0 | PTE_V
    .word PT_B | PTE_V
    .org PD_B + 0x3c0 * 4
    .word 0xF0000000 | PTE_V | PTE_W | PTE_L | PTE_G
    .org PT0 + 4
    .word 0x1000 | PTE_V | PTE_X | PTE_G
    .word 0x2000 | PTE_V | PTE_X | PTE_G
    .org PT0 + 0x1ff * 4
    .word 0x1ff000 | PTE_V | PTE_W | PTE_G  ; the stack, below the reset sp (the end of RAM)
    .org PT_A
    .word 0x20000 | PTE_V
    .org PT_B
    .word 0x21000 | PTE_V
    .org 0x20000
    .word 3
    .org 0x21000
    .word 4
