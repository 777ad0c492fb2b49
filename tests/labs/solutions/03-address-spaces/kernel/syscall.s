; syscall.s: system-call dispatch (xv6's syscall.c). The number is in the caller's t0, the
; arguments in a0-a3, the result goes back in a0; every other register is preserved (the trap
; frame is restored whole). guest-programs/user/ulib.inc states the same for user programs.

; syscall(a0 = proc): run the call proc asked for; an unknown number returns -1.
syscall:
    ENTER
    mv s0, a0
    lw t0, P_TF+TF_T0(s0)
    sltiu t1, t0, NSYSCALL
    beqz t1, 1f
    slli t0, t0, 2
    la t1, syscalls
    add t1, t1, t0
    lw t1, 0(t1)
    beqz t1, 1f
    mv a0, s0
    jalr ra, 0(t1)
    j 2f
1:  li a0, -1
2:  LOAD t0, curproc                        ; after exit there is no frame to write
    bne t0, s0, 3f
    sw a0, P_TF+TF_A0(s0)
3:  LEAVE

    .align 4
syscalls:
    .word 0                                 ; 0: none
    .word sys_exit                          ; SYS_EXIT
    .word sys_write                         ; SYS_WRITE
    .word sys_yield                         ; SYS_YIELD
    .word sys_getpid                        ; SYS_GETPID
    .word sys_sbrk                          ; SYS_SBRK
    .word sys_fork                          ; SYS_FORK
    .word sys_wait                          ; SYS_WAIT
    .word sys_spawn                         ; SYS_SPAWN
    .word sys_read                          ; SYS_READ
    .word sys_pgstat                        ; SYS_PGSTAT
