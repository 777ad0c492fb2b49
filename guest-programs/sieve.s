; sieve.s: the sieve of Eratosthenes up to 10000; prints the number of primes (1229) and the
; largest (9973), then exits 0. composite[i] is one byte per number, 0 = still a prime candidate.
    .include "lib/console.inc"

    .equ LIMIT, 10000

    .global _start
_start:
    la s0, composite
    li s1, 2                    ; s1 = i
    li s3, LIMIT
mark_next_prime:
    mul t0, s1, s1              ; t0 = j = i * i
    bgt t0, s3, count
    add t2, s0, s1
    lbu t3, 0(t2)
    bnez t3, advance            ; i is composite: its multiples are already marked
    li t4, 1
mark_multiple:
    add t2, s0, t0
    sb t4, 0(t2)
    add t0, t0, s1
    ble t0, s3, mark_multiple
advance:
    addi s1, s1, 1
    j mark_next_prime

count:
    li s2, 0                    ; s2 = number of primes
    li s1, 2
count_next:
    add t2, s0, s1
    lbu t3, 0(t2)
    bnez t3, 1f
    addi s2, s2, 1
    mv a3, s1                   ; a3 = largest prime so far (only calls below clobber it)
1:  addi s1, s1, 1
    ble s1, s3, count_next

    mv s1, a3
    print_str count_msg
    print_dec s2
    print_str largest_msg
    print_dec s1
    print_char '\n'
    poweroff 0

count_msg:
    .asciz "primes up to 10000: "
largest_msg:
    .asciz ", the largest is "

composite:
    .space LIMIT + 1
