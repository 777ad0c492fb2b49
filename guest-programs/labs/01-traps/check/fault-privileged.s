; check/fault-privileged.s: `vmmlab lab check 1` runs this in place of user.s, with your
; trap.s: user mode executes a privileged instruction at fault_here. The handler should report
; it (cause 1, epc = fault_here, badva = the instruction's word) and power off with FAULT_EXIT.
;
; Not a program of its own: it includes the student's files, which are not beside it, so it
; assembles only with a lab folder on the include path (vmmlab lab check does that), and its
; entry is check_start rather than _start.

    .include "console.inc"
    .include "lab1.inc"

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
    .global fault_here
fault_here:
    mtcr status, zero               ; privileged: PRIVILEGED_INSTRUCTION in user mode
    li a0, 0                        ; not reached when the fault ends the run
    SYS SYS_EXIT
