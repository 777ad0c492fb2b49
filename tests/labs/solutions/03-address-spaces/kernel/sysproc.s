; sysproc.s: the system calls themselves (xv6's sysproc.c and sysfile.c). Each takes the calling
; process in a0, reads its arguments from the trap frame and returns the result in a0.

; sys_exit(status): never returns to the caller.
sys_exit:
    ENTER
    lw a1, P_TF+TF_A0(a0)
    li a2, 0
    call exit
    LEAVE

; sys_write(buf, len) -> len, or -1 if len < 0 or some byte of the buffer is not readable user
; memory (the chunks before it are already printed). Copied in WRITE_CHUNK bytes at a time.
sys_write:
    ENTER
    mv s0, a0
    lw s1, P_TF+TF_A0(s0)                   ; user buffer
    lw s2, P_TF+TF_A1(s0)                   ; bytes left
    blt s2, zero, 3f
1:  beqz s2, 2f
    li s3, WRITE_CHUNK
    bleu s3, s2, 4f
    mv s3, s2
4:  mv a0, s0
    la a1, write_buf
    mv a2, s1
    mv a3, s3
    call copyin
    bnez a0, 3f
    la a0, write_buf
    mv a1, s3
    call kputn
    add s1, s1, s3
    sub s2, s2, s3
    j 1b
2:  lw a0, P_TF+TF_A1(s0)
    LEAVE
3:  li a0, -1
    LEAVE

; sys_yield() -> 0.
sys_yield:
    ENTER
    call yield
    li a0, 0
    LEAVE

; sys_getpid() -> the caller's pid. Leaf.
sys_getpid:
    lw a0, P_PID(a0)
    ret

; sys_sbrk(delta) -> the old break, or -1 if the new one would fall below the heap's base or
; above HEAP_LIMIT. Growing maps nothing (pages come on first touch); shrinking unmaps and frees
; every page wholly above the new break.
sys_sbrk:
    ENTER
    mv s0, a0
    lw s1, P_BRK(s0)                        ; old
    lw t0, P_TF+TF_A0(s0)                   ; delta
    add s2, s1, t0                          ; new
    blt t0, zero, 1f
    bltu s2, s1, 9f                         ; wrapped
    li t0, HEAP_LIMIT
    bgtu s2, t0, 9f
    j 2f
1:  bgtu s2, s1, 9f                         ; wrapped
    lw t0, P_HEAPBASE(s0)
    bltu s2, t0, 9f
    lw a0, P_PAGEDIR(s0)
    PGROUNDUP a1, s2
    PGROUNDUP a2, s1
    sub a2, a2, a1
    srli a2, a2, PGSHIFT
    li a3, 1
    call uvmunmap
2:  sw s2, P_BRK(s0)
    mv a0, s1
    LEAVE
9:  li a0, -1
    LEAVE

; sys_fork() -> the child's pid (0 in the child), or -1.
sys_fork:
    ENTER
    call fork
    LEAVE

; sys_wait(status address or 0) -> a child's pid, or -1 (see wait in proc.s).
sys_wait:
    ENTER
    lw a1, P_TF+TF_A0(a0)
    call wait
    LEAVE

; sys_spawn(name, argv, argc) -> pid of a new child running the boot module of that name with
; those argument words, or -1 (no such module, bad pointers, argc above MAXARG, no memory).
sys_spawn:
    ENTER
    mv s0, a0
    lw s1, P_TF+TF_A2(s0)                   ; argc
    sltiu t0, s1, MAXARG + 1
    beqz t0, 9f
    la a1, spawn_name
    lw a2, P_TF+TF_A0(s0)
    li a3, MAXNAME
    call copyinstr
    bnez a0, 9f
    mv a0, s0
    la a1, spawn_args
    lw a2, P_TF+TF_A1(s0)
    slli a3, s1, 2
    call copyin
    bnez a0, 9f
    la a0, spawn_name
    call find_module
    beqz a0, 9f
    mv a1, s1
    la a2, spawn_args
    mv a3, s0
    call proc_from_module
    beqz a0, 9f
    lw a0, P_PID(a0)
    LEAVE
9:  li a0, -1
    LEAVE

; sys_read(buf, len) -> bytes read from the console: at least 1 and at most len, stopping after a
; newline (a line at a time, as a terminal gives them); 0 at the end of input (a ^D); -1 if
; len < 0 or the buffer is not writable user memory; 0 at once for len = 0. With no input
; buffered the caller sleeps (READING) and returns 0 for now: consolewake completes the call,
; result in its trap frame's a0, when input arrives.
sys_read:
    ENTER
    mv s0, a0
    lw a1, P_TF+TF_A0(s0)                   ; user buffer
    lw a2, P_TF+TF_A1(s0)                   ; len
    blt a2, zero, 9f
    beqz a2, 8f
    LOAD t0, cons_r
    LOAD t1, cons_w
    beq t0, t1, 1f                          ; nothing buffered: sleep
    call consoleread
    LEAVE
1:  sw a1, P_READBUF(s0)
    sw a2, P_READLEN(s0)
    li t0, READING
    sw t0, P_STATE(s0)
8:  li a0, 0
    LEAVE
9:  li a0, -1
    LEAVE

; sys_pgstat(va) -> the flag bits (the low 8: V W X U G A D L) of the leaf entry that maps va in
; the caller's address space, 0 when no page is mapped there, -1 when va is not a user address
; (below USER_BASE or from USER_TOP up). Reads the tables only: maps nothing, touches nothing.
sys_pgstat:
    ENTER
    lw a1, P_TF+TF_A0(a0)
    li t0, USER_BASE
    bltu a1, t0, 9f
    li t0, USER_TOP
    bgeu a1, t0, 9f
    lw a0, P_PAGEDIR(a0)
    li a2, 0
    call walk
    beqz a0, 1f                             ; no page table there
    lw a0, 0(a0)
    andi t0, a0, PTE_V
    beqz t0, 1f
    andi a0, a0, 0xff
    LEAVE
1:  li a0, 0
    LEAVE
9:  li a0, -1
    LEAVE
