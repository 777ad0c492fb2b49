; user.s: lab 1's user program. It runs in user mode and reaches the kernel only with system
; calls (lab1.inc): it prints, computes for a while (the timer interrupts it meanwhile), asks
; how many timer interrupts there were, tries a system call that does not exist, and exits.

    .align 4
user_main:
    la a0, msg_hello
    SYS SYS_PUTS
    mv s0, a0                       ; the length puts returned
    la a0, msg_length
    SYS SYS_PUTS
    mv a0, s0
    SYS SYS_PUTDEC
    la a0, msg_newline
    SYS SYS_PUTS

    li s0, 0                        ; s0 = 1 + 2 + … + 5000
    li s1, 1
    li s2, 5000
1:  add s0, s0, s1
    addi s1, s1, 1
    ble s1, s2, 1b
    la a0, msg_sum
    SYS SYS_PUTS
    mv a0, s0
    SYS SYS_PUTDEC
    la a0, msg_newline
    SYS SYS_PUTS

    la a0, msg_ticks
    SYS SYS_PUTS
    SYS SYS_TICKS
    SYS SYS_PUTDEC
    la a0, msg_newline
    SYS SYS_PUTS

    la a0, msg_unknown
    SYS SYS_PUTS
    SYS 99                          ; no such system call
    SYS SYS_PUTDEC
    la a0, msg_newline
    SYS SYS_PUTS

    li a0, 0
    SYS SYS_EXIT

msg_hello:   .asciz "hello from user mode\n"
msg_length:  .asciz "puts returned "
msg_sum:     .asciz "1 + 2 + ... + 5000 = "
msg_ticks:   .asciz "timer interrupts so far: "
msg_unknown: .asciz "system call 99 returned "
msg_newline: .asciz "\n"
    .align 4
