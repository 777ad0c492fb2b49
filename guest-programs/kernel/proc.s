; proc.s: processes (xv6's proc.c): the process table, creating a process from a boot module,
; fork, exit, wait, and the round-robin scheduler.
;
; The kernel has one kernel stack and never blocks inside a trap: a process that must wait
; (wait() with no exited child) is marked SLEEPING and the trap returns to some other process;
; the child's exit finishes the wait on the parent's behalf (status copied out, result written
; to the parent's trap frame). read() with no input waits the same way, as READING, and the
; input's arrival finishes it (consolein.s). So a switch needs no saved kernel context: the
; scheduler only chooses whose trap frame trap.s restores next.

; allocproc() -> a0 = a zeroed process slot in state USED with a fresh pid, or 0 if none is free.
allocproc:
    ENTER
    la s0, proc
    li t0, NPROC * P_SIZE
    add s1, s0, t0
1:  bgeu s0, s1, 3f
    lw t0, P_STATE(s0)
    beqz t0, 2f
    addi s0, s0, P_SIZE
    j 1b
2:  mv a0, s0
    call freeproc                           ; zero it
    li t0, USED
    sw t0, P_STATE(s0)
    LOAD t0, nextpid
    sw t0, P_PID(s0)
    addi t0, t0, 1
    STORE t0, nextpid, t1
    mv a0, s0
    LEAVE
3:  li a0, 0
    LEAVE

; freeproc(a0 = proc): zero the slot, which makes it UNUSED. Its memory must be freed already.
; Leaf; clobbers t0.
freeproc:
    addi t0, a0, P_SIZE
1:  addi t0, t0, -4
    sw zero, 0(t0)
    bne t0, a0, 1b
    ret

; proc_from_module(a0 = module entry (kernel address), a1 = argc, a2 = argument words (kernel
; address), a3 = parent proc or 0) -> a0 = a RUNNABLE process running that program, or 0 if
; it cannot be made (no slot or memory, too many arguments, image outside user space).
; The image is copied to fresh frames at its vaBase; the break starts at the page after it;
; the top stack page holds the arguments; the process starts at the entry with a0 = argc and
; a1 = sp = the address of the argument words.
proc_from_module:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    sltiu t0, s1, MAXARG + 1
    beqz t0, 9f
    lw t0, MOD_VABASE(s0)                   ; user space must hold the image and a heap page
    lw t1, MOD_SIZE(s0)
    add t1, t0, t1
    li t2, USER_BASE
    bltu t0, t2, 9f
    bltu t1, t0, 9f
    li t2, HEAP_LIMIT - PGSIZE
    bgeu t1, t2, 9f
    andi t2, t0, PGSIZE-1
    bnez t2, 9f
    mv s3, a3
    call allocproc
    beqz a0, 9f
    sw s3, P_PARENT(a0)
    mv s3, a0                               ; s3 = the new process from here on
    call uvmcreate
    beqz a0, 8f
    sw a0, P_PAGEDIR(s3)
    lw t0, P_PID(s3)
    andi t0, t0, PTBR_ASID_MASK
    or t0, a0, t0
    sw t0, P_PTBR(s3)
    lw a1, MOD_VABASE(s0)
    lw a2, MOD_PHYS(s0)
    lw a3, MOD_SIZE(s0)
    call uvmload
    bnez a0, 7f
    lw t0, MOD_VABASE(s0)
    lw t1, MOD_SIZE(s0)
    add t0, t0, t1
    PGROUNDUP t0, t0
    sw t0, P_HEAPBASE(s3)
    sw t0, P_BRK(s3)
    mv a0, s3
    mv a1, s1
    mv a2, s2
    call ustack_init
    bnez a0, 7f
    lw t0, MOD_ENTRY(s0)
    sw t0, P_TF+TF_EPC(s3)
    li t0, RUNNABLE
    sw t0, P_STATE(s3)
    mv a0, s3
    LEAVE
7:  lw a0, P_PAGEDIR(s3)
    call uvmfree
8:  mv a0, s3
    call freeproc
9:  li a0, 0
    LEAVE

; ustack_init(a0 = proc, a1 = argc, a2 = argument words (kernel address)) -> a0 = 0 / -1:
; map the top stack page, copy the argument words to its top and set the trap frame's sp, a0
; (argc) and a1 (the words' user address = sp).
ustack_init:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    call kalloc
    beqz a0, 2f
    mv s3, a0
    lw a0, P_PAGEDIR(s0)
    li a1, USTACK_TOP - PGSIZE
    li a2, PGSIZE
    ori a3, s3, PTE_W | PTE_U
    call mappages
    bnez a0, 1f
    slli a2, s1, 2                          ; argument bytes
    li t0, USTACK_TOP
    sub t0, t0, a2
    sw t0, P_TF+TF_SP(s0)
    sw t0, P_TF+TF_A1(s0)
    sw s1, P_TF+TF_A0(s0)
    P2V a0, s3, t1
    li t1, PGSIZE
    add a0, a0, t1
    sub a0, a0, a2
    mv a1, s2
    call memcpy
    li a0, 0
    LEAVE
1:  mv a0, s3
    call kfree
2:  li a0, -1
    LEAVE

; userinit(): one process per boot module, in order, with the module's arguments and no parent.
; A module that cannot start is fatal (panic): the boot set is the whole workload.
userinit:
    ENTER
    LOAD s0, modtable
    P2V s0, s0, t0
    LOAD s1, nmodules
1:  beqz s1, 2f
    mv a0, s0
    lw a1, MOD_ARGC(s0)
    lw a2, MOD_ARGV(s0)
    P2V a2, a2, t0
    li a3, 0
    call proc_from_module
    beqz a0, 3f
    addi s0, s0, MOD_ENTRY_SIZE
    addi s1, s1, -1
    j 1b
2:  LEAVE
3:  la a0, msg_module
    j panic

; find_module(a0 = name, kernel address) -> a0 = the boot module entry of that name (kernel
; address), or 0.
find_module:
    ENTER
    mv s2, a0
    LOAD s0, modtable
    P2V s0, s0, t0
    LOAD s1, nmodules
1:  beqz s1, 2f
    lw a0, MOD_NAME(s0)
    P2V a0, a0, t0
    mv a1, s2
    call strcmp
    beqz a0, 3f
    addi s0, s0, MOD_ENTRY_SIZE
    addi s1, s1, -1
    j 1b
2:  li a0, 0
    LEAVE
3:  mv a0, s0
    LEAVE

; fork(a0 = proc) -> a0 = the child's pid, or -1 if no slot or memory is left. The child gets
; a copy of every present user page, the same break and the parent's registers, except a0 = 0.
fork:
    ENTER
    mv s0, a0
    call allocproc
    beqz a0, 9f
    mv s1, a0
    call uvmcreate
    beqz a0, 8f
    sw a0, P_PAGEDIR(s1)
    lw t0, P_PID(s1)
    andi t0, t0, PTBR_ASID_MASK
    or t0, a0, t0
    sw t0, P_PTBR(s1)
    mv a1, a0
    lw a0, P_PAGEDIR(s0)
    call uvmcopy
    bnez a0, 7f
    addi a0, s1, P_TF                       ; the trap frame, word by word
    addi a1, s0, P_TF
    li a2, TF_WORDS * 4
    call memcpy
    sw zero, P_TF+TF_A0(s1)
    lw t0, P_BRK(s0)
    sw t0, P_BRK(s1)
    lw t0, P_HEAPBASE(s0)
    sw t0, P_HEAPBASE(s1)
    sw s0, P_PARENT(s1)
    li t0, RUNNABLE
    sw t0, P_STATE(s1)
    lw a0, P_PID(s1)
    LEAVE
7:  lw a0, P_PAGEDIR(s1)
    call uvmfree
8:  mv a0, s1
    call freeproc
9:  li a0, -1
    LEAVE

; proc_freemem(a0 = proc): free its whole address space. If its table is the one loaded, load
; the kernel's first: the MMU must never walk a freed table.
proc_freemem:
    ENTER
    mv s0, a0
    lw a0, P_PAGEDIR(s0)
    beqz a0, 2f
    lw t0, P_PTBR(s0)
    LOAD t1, loaded_ptbr
    bne t0, t1, 1f
    la t0, kpgdir
    SETPTBR t0
    STORE t0, loaded_ptbr, t1
1:  call uvmfree
    sw zero, P_PAGEDIR(s0)
2:  LEAVE

; exit(a0 = proc, a1 = status, a2 = killed): end a process. Its memory goes back at once; its
; children lose their parent (those already exited are freed). Then, by the parent:
;   none (a boot module, an orphan): the slot is freed; a non-zero status marks the run failed;
;   SLEEPING in wait: the wait completes now (reap) and the parent becomes RUNNABLE;
;   otherwise: ZOMBIE until the parent waits.
; A killed process (killed = 1) always marks the run failed.
exit:
    ENTER
    mv s0, a0
    mv s1, a1
    beqz a2, 1f
    li t0, 1
    STORE t0, any_failed, t1
1:  sw s1, P_XSTATUS(s0)
    mv a0, s0
    call proc_freemem
    la s2, proc                             ; orphan the children
2:  lw t0, P_PARENT(s2)
    bne t0, s0, 3f
    sw zero, P_PARENT(s2)
    lw t0, P_STATE(s2)
    li t1, ZOMBIE
    bne t0, t1, 3f
    mv a0, s2
    call freeproc
3:  addi s2, s2, P_SIZE
    la t0, proc + NPROC * P_SIZE
    bltu s2, t0, 2b
    LOAD t0, curproc                        ; nobody to return to
    bne t0, s0, 4f
    STORE zero, curproc, t0
4:  lw s2, P_PARENT(s0)
    bnez s2, 5f
    beqz s1, 6f
    li t0, 1
    STORE t0, any_failed, t1
6:  mv a0, s0
    call freeproc
    LEAVE
5:  lw t0, P_STATE(s2)
    li t1, SLEEPING
    bne t0, t1, 7f
    mv a0, s2
    mv a1, s0
    call reap
    sw a0, P_TF+TF_A0(s2)
    li t0, RUNNABLE
    sw t0, P_STATE(s2)
    LEAVE
7:  li t0, ZOMBIE
    sw t0, P_STATE(s0)
    LEAVE

; reap(a0 = parent, a1 = exited child) -> a0 = the child's pid: copy the child's status to the
; parent's wait address (if any; wait checked it is writable) and free the child's slot.
reap:
    ENTER
    mv s0, a0
    mv s1, a1
    lw a1, P_WAITADDR(s0)
    beqz a1, 1f
    mv a0, s0
    addi a2, s1, P_XSTATUS
    li a3, 4
    call copyout
1:  lw s2, P_PID(s1)
    mv a0, s1
    call freeproc
    mv a0, s2
    LEAVE

; wait(a0 = proc, a1 = user address for the status, or 0) -> a0 = pid of an exited child (its
; status stored), -1 if proc has no children or the address is not writable; or, if children
; are all still running, 0 with proc SLEEPING: the first child to exit completes the call.
wait:
    ENTER
    mv s0, a0
    mv s1, a1
    beqz s1, 1f
    mv a0, s0                               ; the status address must take 4 bytes now, so
    mv a1, s1                               ; that the deferred copyout cannot fail
    li a2, 1
    call uvm_resolve
    beqz a0, 9f
    addi a1, s1, 3
    mv a0, s0
    li a2, 1
    call uvm_resolve
    beqz a0, 9f
1:  sw s1, P_WAITADDR(s0)
    li s3, 0                                ; have children?
    la s2, proc
2:  lw t0, P_PARENT(s2)
    bne t0, s0, 3f
    li s3, 1
    lw t0, P_STATE(s2)
    li t1, ZOMBIE
    bne t0, t1, 3f
    mv a0, s0
    mv a1, s2
    call reap
    LEAVE
3:  addi s2, s2, P_SIZE
    la t0, proc + NPROC * P_SIZE
    bltu s2, t0, 2b
    beqz s3, 9f
    li t0, SLEEPING
    sw t0, P_STATE(s0)
    li a0, 0
    LEAVE
9:  li a0, -1
    LEAVE

; yield(a0 = proc): give up the processor; the scheduler picks the next RUNNABLE process.
; Leaf; clobbers t0.
yield:
    li t0, RUNNABLE
    sw t0, P_STATE(a0)
    ret

; kill(a0 = proc, a1 = cause, a2 = badva): a user fault the kernel will not fix. Print
; "[kernel] pid N killed: <cause-name> at 0x<badva>" and exit it with status -1.
kill:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    la a0, msg_killed_pid
    call kputs
    lw a0, P_PID(s0)
    call kputdec
    la a0, msg_killed
    call kputs
    mv a0, s1
    call causename
    call kputs
    la a0, msg_killed_at
    call kputs
    mv a0, s2
    call kputhex
    li a0, '\n'
    call kputc
    mv a0, s0
    li a1, -1
    li a2, 1
    call exit
    LEAVE

; scheduler() -> a0 = the process to run next, RUNNING, its table loaded. The current process
; keeps the processor while it is RUNNING; otherwise the slots after the last one chosen are
; searched in turn (round robin). PTBR is written only when the address space changes, and
; then the timer is re-armed so the newcomer gets a whole slice. With nothing RUNNABLE: wait
; for console input (kidle) while some process sleeps or reads, power off when none is left.
scheduler:
    ENTER
1:  LOAD a0, curproc
    beqz a0, 2f
    lw t0, P_STATE(a0)
    li t1, RUNNING
    beq t0, t1, 9f
2:  LOAD s0, sched_last
    li s1, NPROC
3:  addi s0, s0, 1
    sltiu t0, s0, NPROC
    bnez t0, 4f
    li s0, 0
4:  slli a0, s0, P_SIZE_SHIFT
    la t0, proc
    add a0, t0, a0
    lw t0, P_STATE(a0)
    li t1, RUNNABLE
    beq t0, t1, 5f
    addi s1, s1, -1
    bnez s1, 3b
    call any_sleeping
    beqz a0, 6f
    call kidle                              ; only input can wake anyone now
    j 1b
6:  call shutdown
5:  STORE s0, sched_last, t0
    li t0, RUNNING
    sw t0, P_STATE(a0)
    STORE a0, curproc, t0
    lw t0, P_PTBR(a0)
    LOAD t1, loaded_ptbr
    beq t0, t1, 9f
    SETPTBR t0
    ; From now on this process's TLB entries stay valid across switches (its ASID is its own,
    ; and every PTE change is followed by invlpg): later loads ask the MMU to KEEP them. The
    ; first load, without KEEP, drops whatever an earlier owner of the ASID left behind.
    ori t0, t0, PTBR_KEEP
    sw t0, P_PTBR(a0)
    STORE t0, loaded_ptbr, t1
    LOAD t0, timer_slice
    mtcr timer, t0
9:  LEAVE

; any_sleeping() -> a0 = 1 if some process is SLEEPING (in wait) or READING, else 0. Leaf;
; clobbers t0-t2.
any_sleeping:
    la t0, proc
    la t2, proc + NPROC * P_SIZE
1:  lw t1, P_STATE(t0)
    sltiu t1, t1, SLEEPING                  ; 0: SLEEPING or READING (proc.inc)
    beqz t1, 2f
    addi t0, t0, P_SIZE
    bltu t0, t2, 1b
    li a0, 0
    ret
2:  li a0, 1
    ret

; shutdown(): every process has exited. Power off with 0 if none was killed and every process
; without a parent to collect its status exited with 0, else 1. With shutdown_report set, print
; one statistics line first. Never returns.
shutdown:
    LOAD t0, shutdown_report
    beqz t0, 1f
    la a0, msg_report_demand
    call kputs
    LOAD a0, demand_pages
    call kputdec
    la a0, msg_report_free
    call kputs
    LOAD a0, kmem_nfree
    call kputdec
    li a0, '\n'
    call kputc
1:  LOAD a0, any_failed
    snez a0, a0
    j poweroff

msg_module:         .asciz "a boot module cannot be started (no memory, too many arguments, or not in user space)"
msg_killed_pid:     .asciz "[kernel] pid "
msg_killed:         .asciz " killed: "
msg_killed_at:      .asciz " at "
msg_report_demand:  .asciz "[kernel] shutdown: demand-paged frames "
msg_report_free:    .asciz ", free frames "
    .align 4
