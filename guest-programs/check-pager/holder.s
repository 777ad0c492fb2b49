; holder.s: the victim of the isolation tests. Fills 8 pages (0x40000..0x47fff) with the secret
; word 0x5EC12E75, then reads them all back 30 times (about 1.2 million instructions, so that the
; snooper runs meanwhile), and prints "secret intact" or "secret CHANGED"; powers off with 0.

    .include "console.inc"

    .equ SECRET, 0x5EC12E75
    .equ FIRST, 0x40000
    .equ END, 0x48000
    .equ ROUNDS, 30

    .global _start
_start:
    li s2, SECRET
    li t0, FIRST
    li t1, END
1:  sw s2, 0(t0)
    addi t0, t0, 4
    bltu t0, t1, 1b
    li s0, ROUNDS
    li s1, 0                        ; words found changed
2:  li t0, FIRST
3:  lw t2, 0(t0)
    beq t2, s2, 4f
    addi s1, s1, 1
4:  addi t0, t0, 4
    bltu t0, t1, 3b
    addi s0, s0, -1
    bnez s0, 2b
    bnez s1, 5f
    print_str intact_msg
    poweroff 0
5:  print_str changed_msg
    poweroff 0

intact_msg:  .asciz "secret intact\n"
changed_msg: .asciz "secret CHANGED\n"
