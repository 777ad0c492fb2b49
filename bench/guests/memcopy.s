; memcopy.s: copy BYTES bytes word by word between two buffers, ROUNDS times.
    .include "paging.inc"
    .equ SRC, 0x00100000
    .equ DST, 0x00200000
_start:
    setup_paging
    li s1, ROUNDS
round:
    li t0, SRC
    li t1, DST
    li t2, BYTES / 4
1:  lw t3, 0(t0)
    sw t3, 0(t1)
    addi t0, t0, 4
    addi t1, t1, 4
    addi t2, t2, -1
    bnez t2, 1b
    addi s1, s1, -1
    bnez s1, round
    li t1, 0xF0000010
    sw zero, 0(t1)
