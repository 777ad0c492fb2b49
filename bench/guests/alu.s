; alu.s: an ALU loop (add, xor, shift, compare, branch): the emulator's raw dispatch speed.
    .include "paging.inc"
_start:
    setup_paging
    li a0, 0
    li a1, 0x12345
    li t0, ITERATIONS
1:  add a0, a0, a1
    xori a0, a0, 0x55
    slli a2, a0, 3
    srli a3, a0, 7
    xor a0, a2, a3
    sub a1, a1, a0
    addi t0, t0, -1
    bnez t0, 1b
    li t1, 0xF0000010
    li t2, 0
    sw t2, 0(t1)
