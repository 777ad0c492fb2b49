; check/fault-misaligned.s: `vmmlab lab check 1` runs this in place of user.s, with your
; trap.s: user mode loads a word from a misaligned address at fault_here. The handler should
; report it (cause 5, epc = fault_here, badva = 0x00001002) and power off with FAULT_EXIT.
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
    li t1, 0x1002
    .global fault_here
fault_here:
    lw t2, 0(t1)                    ; MISALIGNED_LOAD, BADVA = 0x1002
    li a0, 0                        ; not reached when the fault ends the run
    SYS SYS_EXIT
