; ad-bits.s: the walk sets Accessed on the first use of a page and Dirty on its first store
; (isa/README.md 6.2 step 7), in the guest's own page-table entries.
;
; The kernel maps four pages with A = D = 0: one it only reads, one it writes, one it never
; touches, and one it reads and later writes. Then it turns paging off, reads the four PTEs and
; prints the A and D bits of each. A pager that does not update A and D leaves them all 0.
; Prints "read: A -", "written: A D", "untouched: - -", "read then written: A D", one a line,
; and powers off with 0.

    .include "console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000

    .global _start
_start:
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L
    li t1, PD + 0x3c0 * 4
    sw t0, 0(t1)
    li t0, PT
    li t1, 0x1000 | PTE_V | PTE_X | PTE_A   ; code: A preset (fetches would set it anyway)
    sw t1, 4(t0)
    li t1, 0x2000 | PTE_V | PTE_X | PTE_A
    sw t1, 8(t0)
    li t1, 0x10000 | PTE_V | PTE_W          ; VA 0x10000: read
    sw t1, 0x40(t0)
    li t1, 0x11000 | PTE_V | PTE_W          ; VA 0x11000: written
    sw t1, 0x44(t0)
    li t1, 0x12000 | PTE_V | PTE_W          ; VA 0x12000: untouched
    sw t1, 0x48(t0)
    li t1, 0x13000 | PTE_V | PTE_W          ; VA 0x13000: read, then written
    sw t1, 0x4c(t0)
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0

    li t0, 0x10000
    lw t1, 0(t0)
    li t0, 0x11000
    sw t1, 0(t0)
    li t0, 0x13000
    lw t1, 0(t0)
    sw t1, 4(t0)
    li t0, STATUS_MODE
    mtcr status, t0                 ; paging off: the PTEs are read where they are

    li s0, PT + 0x40
    li s1, 0
1:  lw a0, 0(s0)
    call print_ad
    addi s0, s0, 4
    addi s1, s1, 1
    li t0, 4
    blt s1, t0, 1b
    poweroff 0

; print_ad: a0 = a PTE; prints "name: A D" with - for a clear bit (s1 = which page, 0..3).
print_ad:
    addi sp, sp, -8
    sw ra, 0(sp)
    sw s2, 4(sp)
    mv s2, a0
    la t0, names
    slli t1, s1, 2
    add t0, t0, t1
    lw a0, 0(t0)
    call puts
    andi t0, s2, PTE_A
    li a0, '-'
    beqz t0, 2f
    li a0, 'A'
2:  call putc
    print_char ' '
    andi t0, s2, PTE_D
    li a0, '-'
    beqz t0, 3f
    li a0, 'D'
3:  call putc
    print_char '\n'
    lw ra, 0(sp)
    lw s2, 4(sp)
    addi sp, sp, 8
    ret

names: .word name0, name1, name2, name3
name0: .asciz "read: "
name1: .asciz "written: "
name2: .asciz "untouched: "
name3: .asciz "read then written: "
