; switches.s[:N]: lab 5's address-space-heavy workload, the reference solution. Forks a child,
; then parent and child each yield N times (default 1000): every yield switches address spaces
; (a PTBR write) and does almost nothing else. Prints
;     switches: N yields each, child exited 0

.include "ulib.inc"

main:
    addi sp, sp, -8
    sw ra, 0(sp)
    li a2, 0
    li a3, 1000
    call arg
    mv s0, a0                       ; s0 = N
    call fork
    mv s1, a0                       ; s1 = 0 in the child
    mv t3, s0
1:  beqz t3, 2f
    addi sp, sp, -4
    sw t3, 0(sp)
    call yield
    lw t3, 0(sp)
    addi sp, sp, 4
    addi t3, t3, -1
    j 1b
2:  beqz s1, 3f
    addi a0, sp, 4
    call wait
    la a0, msg_head
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_child
    call out_str
    lw a0, 4(sp)
    call out_udec
    li a0, '\n'
    call out_char
    call out_flush
3:  li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 8
    ret

msg_head:  .asciz "switches: "
msg_child: .asciz " yields each, child exited "
    .align 4
