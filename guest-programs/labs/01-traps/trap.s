; trap.s: lab 1's trap handler: yours to write (docs/labs/01-traps.md). kernel.s calls
; trap_init once, in supervisor mode, then drops to user mode; from then on every trap lands at
; trap_entry. `vmmlab lab check 1` tests what these routines do.
;
; What is here already: the two entry points, stubbed, the frame layout, the messages and the
; tick counter. Everything marked TODO is yours. isa/README.md sections 4 and 5 are the
; reference: control registers (4.2), the timer (4.5), trap entry (5.2), eret (5.3), the
; SCRATCH pattern for trap entry (5.4).

; The frame trap_entry saves on the kernel stack: register rN at 4*N (slot 0 unused; slot 2, sp,
; holds the user's sp, which SCRATCH has while the handler runs).
.equ FRAME_SIZE, 64

; trap_init(): make traps land at trap_entry, on the kernel stack, and start the timer.
trap_init:
    ; TODO step 1: EVEC = trap_entry; SCRATCH = KSTACK_TOP (trap_entry's stack);
    ;              TIMER = TICK_INTERVAL (an interrupt every TICK_INTERVAL instructions).
    ret

    .align 4
trap_entry:
    ; TODO step 2: swap sp with SCRATCH (mxcr), make room for the frame and save every
    ;              register but sp and zero in it, then the user's sp (from SCRATCH).
    ; TODO step 3: read CAUSE and dispatch:
    ;   - CAUSE_SYSCALL: resume after the syscall (EPC + 4); the number is the saved t0, the
    ;     argument the saved a0; the result goes into the saved a0 (lab1.inc lists the calls:
    ;     SYS_EXIT, SYS_PUTS, SYS_PUTDEC, SYS_TICKS; any other number gives -1);
    ;   - CAUSE_TIMER_INTERRUPT (step 4): add one to `ticks`; EPC is already right;
    ;   - anything else (step 5): print "fault: cause C, epc 0xEEEEEEEE, badva 0xBBBBBBBB"
    ;     (print_str msg_fault, print_dec, print_str msg_epc, print_hex, …, print_char '\n'),
    ;     then poweroff FAULT_EXIT.
    ; TODO step 2 again, on the way out: restore the registers from the frame, give SCRATCH
    ;              back the kernel stack and sp the user's, and eret.
    eret

msg_fault: .asciz "fault: cause "
msg_epc:   .asciz ", epc "
msg_badva: .asciz ", badva "
    .align 4
ticks:     .word 0                  ; timer interrupts taken since boot
