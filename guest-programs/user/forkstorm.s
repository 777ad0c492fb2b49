; forkstorm.s[:N]: N times (default 20): fork; the child grows its heap by 3 pages, writes
; i*k + 1 into page k (k = 0, 1, 2), reads them back and exits with status (13*i + sum) & 0xff
; = (16*i + 3) & 0xff; the parent waits for it and checks the pid and the status. Finally a
; wait with no children left must return -1. Prints
;     forkstorm: <N> children ok checksum 0x<h>      (h = h * 31 + status over the children)
; or "forkstorm: child <i> failed" and exits 1.

.include "ulib.inc"

.equ CHILD_PAGES, 3

main:
    addi sp, sp, -8                 ; 0: ra, 4: the child's status
    sw ra, 0(sp)
    li a2, 0
    li a3, 20
    call arg
    mv s0, a0                       ; N
    li s1, 1                        ; i
    li s3, 0                        ; checksum
1:  bgt s1, s0, 5f
    call fork
    beqz a0, child
    blt a0, zero, 8f
    mv s2, a0                       ; the child's pid
    addi a0, sp, 4
    call wait
    bne a0, s2, 8f
    lw t0, 4(sp)
    slli t1, s1, 4
    addi t1, t1, 3
    andi t1, t1, 0xff
    bne t0, t1, 8f
    li t1, 31
    mul s3, s3, t1
    add s3, s3, t0
    addi s1, s1, 1
    j 1b
5:  li a0, 0                        ; no children left
    call wait
    li t0, -1
    bne a0, t0, 8f
    la a0, msg_name
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_ok
    call out_str
    mv a0, s3
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    j 9f
8:  la a0, msg_failed
    call out_str
    mv a0, s1
    call out_udec
    la a0, msg_failed2
    call out_line
    li a0, 1
9:  lw ra, 0(sp)
    addi sp, sp, 8
    ret

; The child of round i = s1: touch CHILD_PAGES fresh heap pages and exit with the status.
child:
    li a0, CHILD_PAGES * 4096
    call sbrk
    li t0, -1
    beq a0, t0, 3f
    li t0, 0                        ; k
    mv t1, a0
1:  mul t2, s1, t0
    addi t2, t2, 1
    sw t2, 0(t1)
    li t3, 4096
    add t1, t1, t3
    addi t0, t0, 1
    li t3, CHILD_PAGES
    blt t0, t3, 1b
    li t2, 0                        ; sum, read back
2:  li t3, 4096
    sub t1, t1, t3
    lw t3, 0(t1)
    add t2, t2, t3
    addi t0, t0, -1
    bnez t0, 2b
    li t0, 13
    mul a0, s1, t0
    add a0, a0, t2
    andi a0, a0, 0xff
    call exit
3:  li a0, 255
    call exit

msg_name:       .asciz "forkstorm: "
msg_ok:         .asciz " children ok checksum "
msg_failed:     .asciz "forkstorm: child "
msg_failed2:    .asciz " failed"
