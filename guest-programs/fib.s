; fib.s: print the first 20 Fibonacci numbers (0 1 1 2 ... 4181), one per line, then exit 0.
    .include "lib/console.inc"

    .equ COUNT, 20

    .global _start
_start:
    li s0, 0                    ; s0 = F(i)
    li s1, 1                    ; s1 = F(i + 1)
    li s2, COUNT                ; numbers left to print
next:
    print_dec s0
    print_char '\n'
    add t0, s0, s1
    mv s0, s1
    mv s1, t0
    addi s2, s2, -1
    bnez s2, next
    poweroff 0
