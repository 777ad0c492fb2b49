; check/syscalls.s: `vmmlab lab check 1` runs this in place of user.s, with your trap.s. It
; tests the system calls from user mode and reports what it saw on the console, one `name value`
; line each (printed straight to the console device, which user mode may reach with paging
; off, so the report does not depend on the calls under test), then exits with 7.
;
; Not a program of its own: it includes the student's files, which are not beside it, so it
; assembles only with a lab folder on the include path (vmmlab lab check does that), and its
; entry is check_start rather than _start.

    .include "console.inc"
    .include "lab1.inc"

    .global check_start
    .entry check_start
check_start:                             ; as kernel.s does
    li sp, KSTACK_TOP
    call trap_init
    la t0, test_main
    mtcr epc, t0
    li t0, STATUS_MODE | STATUS_PIE
    mtcr status, t0
    li sp, USTACK_TOP
    eret

    .include "trap.s"

; Store r1..r15 in regs_after (absolute addresses: the check's data sits below 0x20000).
.macro SAVE_REGS
    sw ra, regs_after+4(zero)
    sw sp, regs_after+8(zero)
    sw a0, regs_after+12(zero)
    sw a1, regs_after+16(zero)
    sw a2, regs_after+20(zero)
    sw a3, regs_after+24(zero)
    sw t0, regs_after+28(zero)
    sw t1, regs_after+32(zero)
    sw t2, regs_after+36(zero)
    sw t3, regs_after+40(zero)
    sw t4, regs_after+44(zero)
    sw s0, regs_after+48(zero)
    sw s1, regs_after+52(zero)
    sw s2, regs_after+56(zero)
    sw s3, regs_after+60(zero)
.endm

; Give every register but a0 and t0 its pattern (r_n = 0x01010101 * n, sp stays).
.macro SET_PATTERNS
    li ra, 0x01010101
    li a1, 0x04040404
    li a2, 0x05050505
    li a3, 0x06060606
    li t1, 0x08080808
    li t2, 0x09090909
    li t3, 0x0a0a0a0a
    li t4, 0x0b0b0b0b
    li s0, 0x0c0c0c0c
    li s1, 0x0d0d0d0d
    li s2, 0x0e0e0e0e
    li s3, 0x0f0f0f0f
.endm

    .align 4
test_main:
    la a0, msg_hi
    SYS SYS_PUTS
    mv s0, a0
    print_str r_puts
    print_dec s0
    print_char '\n'
    la a0, msg_empty
    SYS SYS_PUTS
    mv s0, a0
    print_str r_puts_empty
    print_dec s0
    print_char '\n'

    ; every register but a0 comes back as it was: a known call, then an unknown one
    SET_PATTERNS
    li a0, 0x03030303
    li t0, SYS_TICKS
    syscall
    SAVE_REGS
    li a0, SYS_TICKS
    call changed_mask
    mv s0, a0
    print_str r_changed
    print_hex s0
    print_char '\n'
    SET_PATTERNS
    li a0, 0x03030303
    li t0, 99
    syscall
    SAVE_REGS
    li a0, 99
    call changed_mask
    mv s0, a0
    print_str r_changed_unknown
    print_hex s0
    print_char '\n'

    SYS 99
    mv s0, a0
    SYS 0
    mv s1, a0
    li t0, 0x12345
    syscall
    mv s2, a0
    print_str r_unknown
    print_dec s0
    print_char ' '
    print_dec s1
    print_char ' '
    print_dec s2
    print_char '\n'

    print_str r_putdec
    li a0, -42
    SYS SYS_PUTDEC
    mv s0, a0
    print_char '\n'
    print_str r_putdec_result
    print_dec s0
    print_char '\n'

    li a0, 7
    SYS SYS_EXIT
    print_str r_exit_returned        ; exit must not come back
    li t0, POWER_OFF
    sw zero, 0(t0)

; changed_mask(a0 = the t0 the call was made with) -> a0 = bit N set for each register rN
; (but a0, r3) that differs from what it held before the call.
changed_mask:
    sw a0, regs_before+28(zero)
    li t0, USTACK_TOP
    sw t0, regs_before+8(zero)
    li a0, 0
    li t0, 1                        ; N
1:  li t1, 3
    beq t0, t1, 2f
    slli t1, t0, 2
    lw t2, regs_before(t1)
    lw t3, regs_after(t1)
    beq t2, t3, 2f
    li t2, 1
    sll t2, t2, t0
    or a0, a0, t2
2:  addi t0, t0, 1
    li t1, 16
    blt t0, t1, 1b
    ret

msg_hi:            .asciz "hi there\n"
msg_empty:         .asciz ""
r_puts:            .asciz "puts-returned "
r_puts_empty:      .asciz "puts-empty-returned "
r_changed:         .asciz "registers-changed "
r_changed_unknown: .asciz "registers-changed-unknown "
r_unknown:         .asciz "unknown-returned "
r_putdec:          .asciz "putdec-printed "
r_putdec_result:   .asciz "putdec-returned "
r_exit_returned:   .asciz "exit-returned\n"
    .align 4
regs_before:
    .word 0, 0x01010101, 0, 0, 0x04040404, 0x05050505, 0x06060606, 0
    .word 0x08080808, 0x09090909, 0x0a0a0a0a, 0x0b0b0b0b, 0x0c0c0c0c, 0x0d0d0d0d, 0x0e0e0e0e, 0x0f0f0f0f
regs_after:
    .space 64
