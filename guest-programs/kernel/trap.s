; trap.s: every trap enters here (xv6's trampoline.S and trap.c). User registers go to the
; current process's trap frame, the kernel runs on its one stack, and the way out restores
; whichever process the scheduler chose.
;
; SCRATCH convention: while a process runs in user mode, SCRATCH holds the address of its trap
; frame; while the kernel runs, SCRATCH is 0. So `mxcr sp, scratch, sp` at entry yields the
; trap frame (from user mode) or 0 (a trap in the kernel, which is always a kernel bug: the
; kernel runs with interrupts off and reaches user memory only through the direct map).

    .align 4
trap_entry:
    mxcr sp, scratch, sp                    ; sp = trap frame, SCRATCH = the user's sp
    beqz sp, kerneltrap
    sw ra, TF_RA(sp)
    sw a0, TF_A0(sp)
    sw a1, TF_A1(sp)
    sw a2, TF_A2(sp)
    sw a3, TF_A3(sp)
    sw t0, TF_T0(sp)
    sw t1, TF_T1(sp)
    sw t2, TF_T2(sp)
    sw t3, TF_T3(sp)
    sw t4, TF_T4(sp)
    sw s0, TF_S0(sp)
    sw s1, TF_S1(sp)
    sw s2, TF_S2(sp)
    sw s3, TF_S3(sp)
    mfcr t0, scratch
    sw t0, TF_SP(sp)
    mfcr t0, epc
    sw t0, TF_EPC(sp)
    mtcr scratch, zero                      ; in the kernel now
    addi a0, sp, -P_TF                      ; the process
    la sp, kstack_top
    call usertrap
    ; fall through: return to the process in a0

; userret(a0 = proc): resume proc in user mode, interrupts on, from its trap frame. Its table
; must be loaded (the scheduler did).
userret:
    addi sp, a0, P_TF
    mtcr scratch, sp
    lw t0, TF_EPC(sp)
    mtcr epc, t0
    li t0, STATUS_MODE | STATUS_PIE | STATUS_PG ; eret: user mode (PMODE = 0), IE = 1
    mtcr status, t0
    lw ra, TF_RA(sp)
    lw a0, TF_A0(sp)
    lw a1, TF_A1(sp)
    lw a2, TF_A2(sp)
    lw a3, TF_A3(sp)
    lw t0, TF_T0(sp)
    lw t1, TF_T1(sp)
    lw t2, TF_T2(sp)
    lw t3, TF_T3(sp)
    lw t4, TF_T4(sp)
    lw s0, TF_S0(sp)
    lw s1, TF_S1(sp)
    lw s2, TF_S2(sp)
    lw s3, TF_S3(sp)
    lw sp, TF_SP(sp)
    eret

; A trap taken in supervisor mode: back to the kernel stack (SCRATCH = 0 again) and panic.
kerneltrap:
    mxcr sp, scratch, sp
    mfcr a0, cause
    mfcr a1, epc
    mfcr a2, badva
    j kerneltrap_panic

; usertrap(a0 = proc) -> a0 = the process to resume (scheduler). Handles the trap proc took:
; a system call, the timer (time slice over: yield), console input (into the input buffer, for
; read: consolein.s), a page fault that demand paging can fix; anything else kills proc.
usertrap:
    ENTER
    mv s0, a0
    mfcr s1, cause
    mfcr s2, badva
    li t0, CAUSE_SYSCALL
    bne s1, t0, 1f
    lw t0, P_TF+TF_EPC(s0)                  ; resume after the syscall instruction
    addi t0, t0, 4
    sw t0, P_TF+TF_EPC(s0)
    mv a0, s0
    call syscall
    j 9f
1:  li t0, CAUSE_TIMER
    bne s1, t0, 2f
    mv a0, s0
    TIMER_TICK                              ; call yield (the balloon build first: balloon.inc)
    j 9f
2:  li t0, CAUSE_DEVICE
    bne s1, t0, 3f
    call consoleintr
    j 9f
3:  li t0, CAUSE_LOAD_PAGE_FAULT
    beq s1, t0, 4f
    li t0, CAUSE_STORE_PAGE_FAULT
    bne s1, t0, 8f
4:  mv a0, s0
    mv a1, s2
    call vmfault
    beqz a0, 9f
    li t0, -2
    bne a0, t0, 8f
    li s1, CAUSE_OUT_OF_MEMORY
8:  mv a0, s0
    mv a1, s1
    mv a2, s2
    call kill
9:  call scheduler
    LEAVE
