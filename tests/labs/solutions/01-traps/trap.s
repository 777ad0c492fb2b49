; trap.s: lab 1's trap handler, the reference solution. trap_init installs it and arms the timer;
; trap_entry saves the interrupted registers on the kernel stack, handles the trap (a system
; call, a timer interrupt, or a fault, which ends the run) and returns with eret.

; Frame on the kernel stack: register rN at 4*N (slot 0 unused; slot 2 holds the user's sp).
.equ FRAME_SIZE, 64

; trap_init(): EVEC = trap_entry, SCRATCH = the kernel stack for traps, TIMER armed.
trap_init:
    la t0, trap_entry
    mtcr evec, t0
    li t0, KSTACK_TOP
    mtcr scratch, t0
    li t0, TICK_INTERVAL
    mtcr timer, t0
    ret

    .align 4
trap_entry:
    mxcr sp, scratch, sp            ; sp = the kernel stack, SCRATCH = the user's sp
    addi sp, sp, -FRAME_SIZE
    sw ra, 4(sp)
    sw a0, 12(sp)
    sw a1, 16(sp)
    sw a2, 20(sp)
    sw a3, 24(sp)
    sw t0, 28(sp)
    sw t1, 32(sp)
    sw t2, 36(sp)
    sw t3, 40(sp)
    sw t4, 44(sp)
    sw s0, 48(sp)
    sw s1, 52(sp)
    sw s2, 56(sp)
    sw s3, 60(sp)
    mfcr t0, scratch
    sw t0, 8(sp)
    mfcr t0, cause
    li t1, CAUSE_SYSCALL
    beq t0, t1, do_syscall
    li t1, CAUSE_TIMER_INTERRUPT
    beq t0, t1, do_timer
    j do_fault

; A system call: resume after the syscall instruction, with the result in the saved a0.
do_syscall:
    mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    lw t0, 28(sp)                   ; the number
    lw a0, 12(sp)                   ; the argument
    li t1, SYS_EXIT
    beq t0, t1, sys_exit
    li t1, SYS_PUTS
    beq t0, t1, sys_puts
    li t1, SYS_PUTDEC
    beq t0, t1, sys_putdec
    li t1, SYS_TICKS
    beq t0, t1, sys_ticks
    li a0, -1                       ; no such system call
syscall_done:
    sw a0, 12(sp)
    j trap_return

sys_exit:
    li t0, POWER_OFF
    sw a0, 0(t0)
1:  j 1b

sys_puts:
    li t1, CONSOLE_TX
    mv t2, a0
1:  lbu t3, 0(t2)
    beqz t3, 2f
    sw t3, 0(t1)
    addi t2, t2, 1
    j 1b
2:  sub a0, t2, a0
    j syscall_done

sys_putdec:
    call putdec
    li a0, 0
    j syscall_done

sys_ticks:
    la t0, ticks
    lw a0, 0(t0)
    j syscall_done

; A timer interrupt: count it. EPC is already the next instruction to run.
do_timer:
    la t0, ticks
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    j trap_return

; Any other trap from user mode: report it and power off.
do_fault:
    mfcr s0, cause
    mfcr s1, epc
    mfcr s2, badva
    print_str msg_fault
    print_dec s0
    print_str msg_epc
    print_hex s1
    print_str msg_badva
    print_hex s2
    print_char '\n'
    poweroff FAULT_EXIT

trap_return:
    lw t0, 8(sp)                    ; the user's sp back into SCRATCH (for the mxcr below)
    mtcr scratch, t0
    lw ra, 4(sp)
    lw a0, 12(sp)
    lw a1, 16(sp)
    lw a2, 20(sp)
    lw a3, 24(sp)
    lw t0, 28(sp)
    lw t1, 32(sp)
    lw t2, 36(sp)
    lw t3, 40(sp)
    lw t4, 44(sp)
    lw s0, 48(sp)
    lw s1, 52(sp)
    lw s2, 56(sp)
    lw s3, 60(sp)
    addi sp, sp, FRAME_SIZE
    mxcr sp, scratch, sp            ; sp = the user's sp, SCRATCH = the kernel stack again
    eret

msg_fault: .asciz "fault: cause "
msg_epc:   .asciz ", epc "
msg_badva: .asciz ", badva "
    .align 4
ticks:     .word 0
