; fresh-scan.s: the receiving side of the reclaim isolation tests. It first spins for about
; 200,000 instructions (so that the other VM has written its secret and given its frames up: by
; ballooning, or to the host's swapping), then touches 64 pages it never used (0x80000..0xbffff),
; which the host backs with whatever frames it has free, and reads every word: all must be 0.
; Prints "fresh pages zero" or "fresh pages DIRTY", then powers off with 0.

    .include "../../../guest-programs/lib/console.inc"

    .equ FIRST, 0x80000
    .equ END, 0xc0000
    .equ SPIN, 100000

    .global _start
_start:
    li t0, SPIN
1:  addi t0, t0, -1
    bnez t0, 1b
    li t0, FIRST
    li t1, END
    li s3, 0                        ; nonzero words found
2:  lw t2, 0(t0)
    beqz t2, 3f
    addi s3, s3, 1
3:  addi t0, t0, 4
    bltu t0, t1, 2b
    bnez s3, 5f
    print_str zero_msg
    poweroff 0
5:  print_str dirty_msg
    poweroff 0

zero_msg:  .asciz "fresh pages zero\n"
dirty_msg: .asciz "fresh pages DIRTY\n"
