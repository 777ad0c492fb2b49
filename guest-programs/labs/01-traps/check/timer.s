; check/timer.s: `vmmlab lab check 1` runs this in place of user.s, with your trap.s. A loop that
; keeps a value in every register runs in user mode while the timer interrupts it; the report
; (`name value` lines, straight to the console device) says whether it gave the result it gives
; without interrupts (MIX_RESULT: run mix with interrupts off to see it). Then it exits with the
; tick count ticks() returns, for the check to compare with the number of timer interrupts the
; machine took.
;
; Not a program of its own: it includes the student's files, which are not beside it, so it
; assembles only with a lab folder on the include path (vmmlab lab check does that), and its
; entry is check_start rather than _start.

    .include "console.inc"
    .include "lab1.inc"

.equ MIX_ROUNDS, 2000
.equ MIX_RESULT, 0x2197b7bd         ; what mix returns when nothing disturbs it

    .global check_start
    .entry check_start
check_start:
    li sp, KSTACK_TOP
    call trap_init
    la t0, test_main
    mtcr epc, t0
    li t0, STATUS_MODE | STATUS_PIE
    mtcr status, t0
    li sp, USTACK_TOP
    eret

    .include "trap.s"

    .align 4
test_main:
    call mix
    li s1, MIX_RESULT
    mv s0, a0
    print_str r_same
    li a0, 1
    beq s0, s1, 1f
    li a0, 0
1:  call putdec
    print_char '\n'
    SYS SYS_TICKS
    li t0, SYS_EXIT                 ; exit(ticks)
    syscall

; mix() -> a0: MIX_ROUNDS rounds of adds and xors that chain every register into the next, so
; that any register an interrupt changes changes the result. Keeps a word on the stack
; meanwhile, so that sp must survive too.
mix:
    sw ra, mix_ra(zero)
    addi sp, sp, -4
    li t0, 0x5a5a5a5a
    sw t0, 0(sp)
    li a0, 0
    li a1, 1
    li a2, 2
    li a3, 3
    li t0, 5
    li t1, 7
    li t2, 11
    li t3, 13
    li t4, 17
    li s0, 19
    li s1, 23
    li s2, 29
    li ra, 37
    li s3, MIX_ROUNDS
1:  add a0, a0, a1
    xor a1, a1, a2
    add a2, a2, a3
    xor a3, a3, t0
    add t0, t0, t1
    xor t1, t1, t2
    add t2, t2, t3
    xor t3, t3, t4
    add t4, t4, s0
    xor s0, s0, s1
    add s1, s1, s2
    xor s2, s2, ra
    addi ra, ra, 3
    add a0, a0, s3
    addi s3, s3, -1
    bnez s3, 1b
    add a0, a0, a1
    add a0, a0, a2
    add a0, a0, a3
    add a0, a0, t0
    add a0, a0, t1
    add a0, a0, t2
    add a0, a0, t3
    add a0, a0, t4
    add a0, a0, s0
    add a0, a0, s1
    add a0, a0, s2
    add a0, a0, ra
    lw t0, 0(sp)
    add a0, a0, t0
    addi sp, sp, 4
    lw ra, mix_ra(zero)
    ret

r_same: .asciz "same-result-under-interrupts "
    .align 4
mix_ra:    .word 0
