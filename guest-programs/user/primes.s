; primes.s[:N]: count the primes below N (default 10000) by trial division, a compute-bound
; workload with a tiny working set. Prints
;     primes: <count> below <N> checksum 0x<h>
; where h folds the primes in increasing order: h = h * 31 + p (mod 2^32), from h = 0.

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 10000
    call arg
    mv s0, a0                       ; s0 = N
    li s1, 0                        ; count
    li s2, 0                        ; checksum
    li t0, 2
    bgeu t0, s0, 5f                 ; N <= 2: no primes below it
    li s1, 1                        ; 2 is prime
    li s2, 2
    li s3, 3                        ; candidate
1:  bgeu s3, s0, 5f
    li t1, 3                        ; divisor
2:  mul t2, t1, t1
    bgtu t2, s3, 3f                 ; no divisor up to sqrt: prime
    remu t3, s3, t1
    beqz t3, 4f                     ; composite
    addi t1, t1, 2
    j 2b
3:  addi s1, s1, 1
    li t4, 31
    mul s2, s2, t4
    add s2, s2, s3
4:  addi s3, s3, 2
    j 1b
5:  la a0, msg_name
    call out_str
    mv a0, s1
    call out_udec
    la a0, msg_below
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_checksum
    call out_str
    mv a0, s2
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg_name:       .asciz "primes: "
msg_below:      .asciz " below "
msg_checksum:   .asciz " checksum "
