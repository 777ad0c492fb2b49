; sum.s: a user program for the bundled kernel: print the sum of its arguments and exit with 0.
; Run it: `vmmlab run KERNEL --module sum.s:1,2,3` (KERNEL: the kernel.s this folder's README
; names; add --mode shadow or --mode ept: the output is the same).
;
; ulib.inc (found in the bundled guest-programs/user/, from any folder) holds _start, which
; calls main(argc, argv) and exits with what it returns, the system-call wrappers and line
; output (guest-programs/kernel/README.md, "Writing a user program").

.include "ulib.inc"

main:                       ; a0 = argc, a1 = the argument words
    addi sp, sp, -4
    sw ra, 0(sp)
    li s0, 0                ; the sum
    li s1, 0                ; the argument's index
1:  bge s1, a0, 2f
    slli t0, s1, 2
    add t0, a1, t0
    lw t0, 0(t0)
    add s0, s0, t0
    addi s1, s1, 1
    j 1b
2:  la a0, msg
    call out_str
    mv a0, s0
    call out_udec
    li a0, '\n'
    call out_char
    call out_flush          ; one write system call for the whole line
    li a0, 0                ; the exit status
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg: .asciz "sum: "
