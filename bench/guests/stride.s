; stride.s: ROUNDS times, one word in each of PAGES pages, 4 KiB apart: far more pages than a
; 64-entry TLB holds, so every load misses and walks (the store after it hits the entry the load
; filled). The inner loop is memwalk.s's (guest-programs/user): 10 instructions, one load, one
; store. The window of PAGES pages at WINDOW (up to 4,096: four page tables) is mapped onto
; 256 frames at FRAMES, page i onto frame i mod 256, so a small guest memory serves any PAGES.
; Assemble it with PAGING=1: with paging off there would be nothing to translate.

    .include "paging.inc"
    .equ WINDOW, 0x00800000         ; directory entries 2 to 5
    .equ WINDOW_PTS, 0x00310000     ; its page tables, 4 KiB each
    .equ FRAMES, 0x00400000
    .equ PTE_VW, 0x3                ; V | W (supervisor only)

_start:
    ; the window's page tables: entry i maps frame FRAMES + (i mod 256) * 4 KiB
    li t0, WINDOW_PTS
    li t1, 0                        ; i
    li t2, PAGES
1:  andi t3, t1, 255
    slli t3, t3, 12
    li t4, FRAMES | PTE_VW
    or t3, t3, t4
    sw t3, 0(t0)
    addi t0, t0, 4
    addi t1, t1, 1
    blt t1, t2, 1b
    ; directory entries 2 to 5 point at the four tables (tables beyond PAGES stay zero: unmapped)
    li t0, PD_ADDR + 2 * 4
    li t1, WINDOW_PTS | 1
    li t2, 4
2:  sw t1, 0(t0)
    addi t0, t0, 4
    li t4, 4096
    add t1, t1, t4
    addi t2, t2, -1
    bnez t2, 2b
    setup_paging
    li s0, WINDOW                   ; base
    li s2, PAGES                    ; N
    li s3, 4096                     ; STRIDE
    li s1, 0                        ; sum
    li t4, 0                        ; round r
3:  li t3, 0                        ; i
    mv t2, s0                       ; base + i*STRIDE
4:  bge t3, s2, 5f
    andi t0, t2, -4
    lw t1, 0(t0)
    add t1, t1, t3
    add t1, t1, t4
    sw t1, 0(t0)
    add s1, s1, t1
    add t2, t2, s3
    addi t3, t3, 1
    j 4b
5:  addi t4, t4, 1
    li t0, ROUNDS
    blt t4, t0, 3b
    li t1, 0xF0000010
    sw zero, 0(t1)
