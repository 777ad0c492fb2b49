; sieve.s: the sieve of Eratosthenes over LIMIT bytes, ROUNDS times: loads, stores, branches.
    .include "paging.inc"
    .equ FLAGS, 0x00100000
_start:
    setup_paging
    li s1, ROUNDS
round:
    li t0, FLAGS                    ; clear the flags
    li t1, LIMIT
    add t1, t0, t1
1:  sw zero, 0(t0)
    addi t0, t0, 4
    bltu t0, t1, 1b
    li s0, 0                        ; count
    li t0, 2                        ; candidate
    li t4, FLAGS
2:  add t1, t4, t0
    lbu t2, 0(t1)
    bnez t2, 4f
    addi s0, s0, 1
    add t3, t0, t0                  ; strike multiples
3:  li t1, LIMIT
    bgeu t3, t1, 4f
    add t1, t4, t3
    li t2, 1
    sb t2, 0(t1)
    add t3, t3, t0
    j 3b
4:  addi t0, t0, 1
    li t1, LIMIT
    bltu t0, t1, 2b
    addi s1, s1, -1
    bnez s1, round
    li t1, 0xF0000010
    sw zero, 0(t1)
