; ctxswitch.s[:N]: two processes yield to each other N times each (default 200): this one
; spawns a second copy of the boot module "ctxswitch" with arguments N, 1 (role 1: the child),
; then both loop N times over yield, folding h = h * 31 + i. The child exits with h & 0xff;
; the parent waits, checks that status against its own h and prints
;     ctxswitch: 2 x <N> yields checksum 0x<h>
; Every yield that switches processes writes PTBR: a context-switch-heavy workload.

.include "ulib.inc"

main:
    addi sp, sp, -8                 ; 0: ra, 4: the child's status
    sw ra, 0(sp)
    mv s0, a0
    mv s1, a1
    li a2, 0
    li a3, 200
    call arg
    mv s2, a0                       ; N
    mv a0, s0
    mv a1, s1
    li a2, 1
    li a3, 0
    call arg
    la t0, role
    sw a0, 0(t0)
    bnez a0, 2f
    addi sp, sp, -8                 ; spawn("ctxswitch", {N, 1}, 2)
    sw s2, 0(sp)
    li t0, 1
    sw t0, 4(sp)
    la a0, msg_self
    mv a1, sp
    li a2, 2
    call spawn
    addi sp, sp, 8
    blt a0, zero, 8f
    mv s3, a0                       ; the child's pid
2:  li s0, 0                        ; i
    li s1, 0                        ; h
3:  bge s0, s2, 4f
    call yield
    li t0, 31
    mul s1, s1, t0
    add s1, s1, s0
    addi s0, s0, 1
    j 3b
4:  la t0, role
    lw t0, 0(t0)
    bnez t0, 7f
    addi a0, sp, 4
    call wait
    bne a0, s3, 8f
    lw t0, 4(sp)
    andi t1, s1, 0xff
    bne t0, t1, 8f
    la a0, msg_name
    call out_str
    mv a0, s2
    call out_udec
    la a0, msg_yields
    call out_str
    mv a0, s1
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    j 9f
7:  andi a0, s1, 0xff               ; the child: its h is the status
    j 9f
8:  la a0, msg_failed
    call print
    li a0, 1
9:  lw ra, 0(sp)
    addi sp, sp, 8
    ret

msg_self:       .asciz "ctxswitch"
msg_name:       .asciz "ctxswitch: 2 x "
msg_yields:     .asciz " yields checksum "
msg_failed:     .asciz "ctxswitch: failed\n"
    .align 4
role:           .word 0
