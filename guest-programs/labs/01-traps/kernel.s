; kernel.s: lab 1's machine, bare metal. It starts in supervisor mode with paging off, lets
; trap_init (trap.s: yours) install the trap handler and arm the timer, then drops to user mode
; at user_main (user.s), which reaches the kernel only through traps: system calls, timer
; interrupts and faults. Run it: vmmlab run kernel.s (docs/labs/01-traps.md).

    .include "console.inc"          ; puts, putdec, puthex, poweroff… (bare metal)
    .include "lab1.inc"

    .global _start
_start:
    li sp, KSTACK_TOP
    call trap_init
    ; Enter user mode (isa/README.md 5.3): eret jumps to EPC, takes MODE from PMODE (0: user)
    ; and IE from PIE (1: interrupts on).
    la t0, user_main
    mtcr epc, t0
    li t0, STATUS_MODE | STATUS_PIE ; supervisor now, PMODE = 0, PIE = 1
    mtcr status, t0
    li sp, USTACK_TOP
    eret

    .include "trap.s"
    .include "user.s"
