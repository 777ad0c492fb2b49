; vm.s: page tables and address spaces (xv6's vm.c). The kernel's own mappings are built once in
; static tables (kvminit); every address space gets a copy of the kernel's level-1 table, so the
; kernel half is shared and Global. User page tables are touched only through the direct map
; (P2V), never through the user mapping, so no routine here can fault on a user address.
;
; A user address space maps user pages only in [USER_BASE, USER_TOP); these routines are only
; ever given such addresses (mappages checks, and panics otherwise).

; kvminit(): fill the static kernel tables, with paging still off (so by physical address):
; identity map of the kernel image (text read/execute, the rest read/write), all of RAM at
; DIRECTMAP in superpages, and the device page. Supervisor-only and Global, A and D preset so
; the walker never writes them back.
kvminit:
    la t4, kpgdir
    la t0, kpt_low
    ori t0, t0, PTE_V
    sw t0, 0(t4)                            ; VA [0, 4 MiB) -> kpt_low
    la t0, kpt_dev
    ori t0, t0, PTE_V
    sw t0, DEVBASE_PDX*4(t4)                ; VA [0xF0000000, +4 MiB) -> kpt_dev
    la t1, kpt_low
    li t2, KERNBASE
    la t3, etext
1:  bgeu t2, t3, 2f                         ; text: read/execute
    PTXOFF t0, t2
    add t0, t1, t0
    ori a0, t2, PTE_V | PTE_X | PTE_G | PTE_A
    sw a0, 0(t0)
    li t0, PGSIZE
    add t2, t2, t0
    j 1b
2:  la t3, kernel_end
3:  bgeu t2, t3, 4f                         ; data, stack, tables: read/write
    PTXOFF t0, t2
    add t0, t1, t0
    ori a0, t2, PTE_V | PTE_W | PTE_G | PTE_A | PTE_D
    sw a0, 0(t0)
    li t0, PGSIZE
    add t2, t2, t0
    j 3b
4:
.ifdef PV
    la t0, kpgdir                           ; PV: the three tables themselves are read-only
    li t2, 3
7:  PTXOFF t3, t0
    add t3, t1, t3
    lw a0, 0(t3)
    andi a0, a0, ~PTE_W
    sw a0, 0(t3)
    li t3, PGSIZE
    add t0, t0, t3
    addi t2, t2, -1
    bnez t2, 7b
.endif
    li a0, DEVBASE | PTE_V | PTE_W | PTE_G | PTE_A | PTE_D
    la t0, kpt_dev
    sw a0, 0(t0)
    LOAD t3, phystop                        ; direct map: one superpage per 4 MiB of RAM
    li t2, 0
    addi t1, t4, DIRECTMAP_PDX*4
5:  bgeu t2, t3, 6f
    ori a0, t2, PTE_V | PTE_W | PTE_G | PTE_A | PTE_D | PTE_L
    sw a0, 0(t1)
    addi t1, t1, 4
    li t0, SUPERPGSIZE
    add t2, t2, t0
    j 5b
6:  ret

; kvminithart(): load the kernel's table (ASID 0) and turn paging on. The kernel keeps running
; at the same addresses: its image is identity-mapped.
kvminithart:
    la t0, kpgdir
    SETPTBR t0
    STORE t0, loaded_ptbr, t1
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    ret

; walk(a0 = pagedir pa, a1 = va, a2 = alloc) -> a0 = kernel address of va's level-0 entry, or 0
; if its page table is missing (and alloc = 0, or no frame is left) or va is in a superpage.
; With alloc, a missing page table is allocated (zeroed) and linked.
walk:
    ENTER
    mv s1, a1
    mv s2, a2
    P2V t1, a0, t2
    PDXOFF t0, a1
    add s3, t1, t0                          ; s3 = &pde
    lw t0, 0(s3)
    andi t1, t0, PTE_V
    beqz t1, 1f
    andi t1, t0, PTE_L
    bnez t1, 3f
    PTE2PA a0, t0
    j 2f
1:  beqz s2, 3f
    call kalloc
    beqz a0, 3f
.ifdef PV
    mv s2, a0                               ; PV: the directory entry at once, with the queue
    mv a0, s3
    ori a1, s2, PTE_V
    call pv_queue_pte
    call pv_flush
    mv a0, s2
.else
    ori t0, a0, PTE_V                       ; a directory entry needs only V
    sw t0, 0(s3)
.endif
2:  P2V t1, a0, t2
    PTXOFF t0, s1
    add a0, t1, t0
    LEAVE
3:  li a0, 0
    LEAVE

; walkaddr(a0 = pagedir pa, a1 = va, a2 = need write) -> a0 = physical address of the page
; holding va if it is mapped present and user-accessible (and writable, if asked), else 0.
walkaddr:
    ENTER
    mv s2, a2
    li a2, 0
    call walk
    beqz a0, 1f
    lw t0, 0(a0)
    andi t1, t0, PTE_V | PTE_U
    li t2, PTE_V | PTE_U
    bne t1, t2, 2f
    beqz s2, 3f
    andi t1, t0, PTE_W
    beqz t1, 2f
3:  PTE2PA a0, t0
1:  LEAVE
2:  li a0, 0
    LEAVE

; mappages(a0 = pagedir pa, a1 = va, a2 = size, a3 = pa | perm) -> a0 = 0, or -1 when a page
; table could not be allocated. Maps the pages covering [va, va+size) to consecutive frames
; from pa, with the permission bits in a3's low 12 bits (V is added). The range must be user
; space and not yet mapped: anything else is a kernel bug (panic).
mappages:
    ENTER
    mv s0, a0
    PGROUNDDOWN s1, a1
    add s2, a1, a2
    addi s2, s2, -1
    PGROUNDDOWN s2, s2                      ; s2 = last page
    mv s3, a3
    li t0, USER_BASE
    bltu s1, t0, 3f
    li t0, USER_TOP
    bgeu s2, t0, 3f
1:  mv a0, s0
    mv a1, s1
    li a2, 1
    call walk
    beqz a0, 2f
    lw t0, 0(a0)
    andi t0, t0, PTE_V
    bnez t0, 4f
.ifdef PV
    ori a1, s3, PTE_V
    call pv_queue_pte
.else
    ori t0, s3, PTE_V
    sw t0, 0(a0)
.endif
    beq s1, s2, 5f
    li t0, PGSIZE
    add s1, s1, t0
    add s3, s3, t0
    j 1b
5:
.ifdef PV
    call pv_sync
.endif
    li a0, 0
    LEAVE
2:
.ifdef PV
    call pv_sync
.endif
    li a0, -1
    LEAVE
3:  la a0, msg_mapuser
    j panic
4:  la a0, msg_remap
    j panic

; uvmunmap(a0 = pagedir pa, a1 = va, a2 = page count, a3 = free frames): remove the mappings of
; count pages from va (page-aligned), skipping pages never mapped (demand paging leaves holes),
; invlpg each one removed (a stale TLB entry would keep it reachable), then free its frame if
; asked. Page tables stay, even empty: uvmfree returns them.
uvmunmap:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
1:  beqz s2, 3f
    mv a0, s0
    mv a1, s1
    li a2, 0
    call walk
    beqz a0, 2f
    lw t0, 0(a0)
    andi t1, t0, PTE_V
    beqz t1, 2f
.ifdef PV
    addi sp, sp, -4                         ; PV: queued, then flushed with the invlpgs
    sw t0, 0(sp)
    li a1, 0
    call pv_queue_pte
    mv a0, s1
    call pv_queue_invlpg
    lw t0, 0(sp)
    addi sp, sp, 4
.else
    sw zero, 0(a0)
    invlpg s1
.endif
    beqz s3, 2f
    PTE2PA a0, t0
    call kfree
2:  li t0, PGSIZE
    add s1, s1, t0
    addi s2, s2, -1
    j 1b
3:
.ifdef PV
    call pv_sync
.endif
    LEAVE

; uvmcreate() -> a0 = physical address of a new level-1 table holding the kernel's mappings
; (a copy of kpgdir) and no user mappings, or 0 when no frame is left.
uvmcreate:
    ENTER
    call kalloc
    beqz a0, 1f
    mv s0, a0
    P2V a0, s0, t0
    la a1, kpgdir
    call pagecopy
.ifdef PV
    mv a0, s0                               ; PV: validated and pinned as a directory
    li a1, 1
    hcall HC_PIN_TABLE
    bnez a0, pv_refused
.endif
    mv a0, s0
1:  LEAVE

; uvmfree(a0 = pagedir pa): free every user page, every user page table and the level-1 table
; itself. The kernel's tables (shared) are left alone. No invlpg: the caller must not have this
; table loaded (proc_freemem switches to kpgdir first), and the entries of its ASID die with the
; next PTBR write of that ASID.
uvmfree:
    ENTER
    mv s0, a0
.ifdef PV
    hcall HC_UNPIN_TABLE                    ; PV: the tree is data again, ours to take apart
    bnez a0, pv_refused
.endif
    P2V s1, s0, t0
    addi s2, s1, USER_PDX_END*4
    addi s1, s1, USER_PDX_FIRST*4
1:  bgeu s1, s2, 3f
    lw t0, 0(s1)
    andi t1, t0, PTE_V
    beqz t1, 2f
    PTE2PA a0, t0
    call freetable
    sw zero, 0(s1)
2:  addi s1, s1, 4
    j 1b
3:  mv a0, s0
    call kfree
    LEAVE

; freetable(a0 = page table pa): free the frames of its present entries, then the table.
freetable:
    ENTER
    mv s0, a0
    P2V s1, s0, t0
    li t0, PGSIZE
    add s2, s1, t0
1:  lw t0, 0(s1)
    andi t1, t0, PTE_V
    beqz t1, 2f
    PTE2PA a0, t0
    call kfree
2:  addi s1, s1, 4
    bltu s1, s2, 1b
    mv a0, s0
    call kfree
    LEAVE

; uvmcopy(a0 = old pagedir, a1 = new pagedir) -> a0 = 0, or -1 when memory ran out. Gives new a
; private copy of every present user page of old, with the same V W X U bits (fork). On failure
; new holds what was copied so far: the caller frees it with uvmfree.
uvmcopy:
    ENTER
.ifdef PV
    call pv_batch_begin                     ; PV: the whole copy in as few mmu_updates as fit
.endif
    mv s0, a0
    mv s1, a1
    li s2, USER_BASE
1:  P2V t1, s0, t2
    PDXOFF t0, s2
    add t0, t1, t0
    lw t0, 0(t0)
    andi t1, t0, PTE_V
    beqz t1, 2f
    mv a0, s1
    PTE2PA a1, t0
    mv a2, s2
    call uvmcopy_table
    bnez a0, 3f
2:  li t0, SUPERPGSIZE
    add s2, s2, t0
    li t0, USER_TOP
    bltu s2, t0, 1b
.ifdef PV
    call pv_batch_end
.endif
    li a0, 0
    LEAVE
3:
.ifdef PV
    call pv_batch_end
.endif
    li a0, -1
    LEAVE

; uvmcopy_table(a0 = new pagedir, a1 = old page table pa, a2 = va it starts at) -> a0 = 0 / -1.
; Copies every present page that table maps into new (uvmcopy's inner loop).
uvmcopy_table:
    ENTER
    mv s0, a0
    P2V s1, a1, t0
    mv s2, a2
    li t0, PGSIZE
    add s3, s1, t0
1:  lw t0, 0(s1)
    andi t1, t0, PTE_V
    beqz t1, 2f
    mv a0, s0
    mv a1, s2
    mv a2, t0
    call uvmcopy_page
    bnez a0, 3f
2:  addi s1, s1, 4
    li t0, PGSIZE
    add s2, s2, t0
    bltu s1, s3, 1b
    li a0, 0
3:  LEAVE

; uvmcopy_page(a0 = new pagedir, a1 = va, a2 = old pte) -> a0 = 0 / -1: a fresh frame holding a
; copy of the old page, mapped at va in new with the old entry's V W X U bits.
uvmcopy_page:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    call kalloc
    beqz a0, 2f
    mv s3, a0
    P2V a0, s3, t0
    PTE2PA t1, s2
    P2V a1, t1, t0
    call pagecopy
    mv a0, s0
    mv a1, s1
    li a2, PGSIZE
    andi t0, s2, PTE_PERM_MASK
    or a3, s3, t0
    call mappages
    bnez a0, 1f
    LEAVE
1:  mv a0, s3
    call kfree
2:  li a0, -1
    LEAVE

; uvmload(a0 = pagedir, a1 = va, a2 = source pa, a3 = size) -> a0 = 0 / -1: map [va, va+size)
; (va page-aligned) to fresh frames holding a copy of size bytes from physical source (a boot
; module's image), read/write/execute for the user. On failure the caller frees the pagedir.
uvmload:
    ENTER
    mv s0, a0
    mv s1, a1
    P2V s2, a2, t0                          ; s2 = source, through the direct map
    mv s3, a3                               ; s3 = bytes left
1:  bge zero, s3, 3f                        ; nothing left
    call kalloc
    beqz a0, 4f
    addi sp, sp, -4
    sw a0, 0(sp)                            ; the frame, until it is mapped
    P2V a0, a0, t0
    mv a1, s2
    li a2, PGSIZE
    blt s3, a2, 2f
    call pagecopy                           ; a whole page
    j 5f
2:  mv a2, s3
    call memcpy                             ; the last, partial page (the rest stays zero)
5:  mv a0, s0
    mv a1, s1
    li a2, PGSIZE
    lw a3, 0(sp)
    ori a3, a3, PTE_W | PTE_X | PTE_U
    call mappages
    lw t0, 0(sp)
    addi sp, sp, 4
    bnez a0, 6f
    li t0, PGSIZE
    add s1, s1, t0
    add s2, s2, t0
    sub s3, s3, t0
    j 1b
3:  li a0, 0
    LEAVE
6:  mv a0, t0                               ; not mapped, so uvmfree would miss it
    call kfree
4:  li a0, -1
    LEAVE

; ---- Demand paging and user-memory access. These take a struct proc: whether an unmapped page
; may be created on first touch depends on the process's break.

; vmfault(a0 = proc, a1 = va) -> a0 = 0 when va's page was mapped just now (a zeroed frame,
; user read/write), -1 when va is not a demand-paged address (outside the heap below the break
; and the stack's USTACK_LIMIT, or already mapped), -2 when memory ran out. Counts the frames
; it maps in demand_pages.
vmfault:
    ENTER
    mv s0, a0
    PGROUNDDOWN s1, a1
    lw t0, P_HEAPBASE(s0)
    bltu s1, t0, 1f
    lw t0, P_BRK(s0)
    bltu s1, t0, 2f                         ; a heap page below the break
1:  li t0, USTACK_BOTTOM
    bltu s1, t0, 5f
    li t0, USTACK_TOP
    bgeu s1, t0, 5f                         ; not a stack page either
2:  lw a0, P_PAGEDIR(s0)
    mv a1, s1
    li a2, 0
    call walk
    beqz a0, 3f
    lw t0, 0(a0)
    andi t0, t0, PTE_V
    bnez t0, 5f                             ; present: not ours to fix
3:  call kalloc
    beqz a0, 6f
    mv s2, a0
    lw a0, P_PAGEDIR(s0)
    mv a1, s1
    li a2, PGSIZE
    ori a3, s2, PTE_W | PTE_U
    call mappages
    bnez a0, 4f
    LOAD t0, demand_pages
    addi t0, t0, 1
    STORE t0, demand_pages, t1
    li a0, 0
    LEAVE
4:  mv a0, s2
    call kfree
6:  li a0, -2
    LEAVE
5:  li a0, -1
    LEAVE

; uvm_resolve(a0 = proc, a1 = va, a2 = need write) -> a0 = physical address of the page holding
; user address va, or 0 if the process may not access it (writing, if asked). A demand-paged
; page not touched yet is mapped now, as the process's own access would have mapped it.
uvm_resolve:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    li t0, USER_BASE
    bltu s1, t0, 2f
    li t0, USER_TOP
    bgeu s1, t0, 2f
    lw a0, P_PAGEDIR(s0)
    call walkaddr
    bnez a0, 1f
    mv a0, s0
    mv a1, s1
    call vmfault
    bnez a0, 2f
    lw a0, P_PAGEDIR(s0)
    mv a1, s1
    mv a2, s2
    call walkaddr
1:  LEAVE
2:  li a0, 0
    LEAVE

; copyout(a0 = proc, a1 = user dst, a2 = kernel src, a3 = byte count) -> a0 = 0, or -1 if some
; destination byte is not writable user memory of proc (bytes before it are already copied).
; Works on any process, loaded or not: it goes through proc's tables and the direct map.
copyout:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
1:  beqz s3, 3f
    mv a0, s0
    mv a1, s1
    li a2, 1
    call uvm_resolve
    beqz a0, 4f
    P2V a0, a0, t0
    andi t0, s1, PGSIZE-1
    add a0, a0, t0                          ; destination, through the direct map
    li a2, PGSIZE
    sub a2, a2, t0                          ; bytes left in this page
    bleu a2, s3, 2f
    mv a2, s3
2:  mv a1, s2
    sub s3, s3, a2
    add s1, s1, a2
    call memcpy
    mv s2, a1
    j 1b
3:  li a0, 0
    LEAVE
4:  li a0, -1
    LEAVE

; copyin(a0 = proc, a1 = kernel dst, a2 = user src, a3 = byte count) -> a0 = 0, or -1 if some
; source byte is not user memory of proc.
copyin:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
1:  beqz s3, 3f
    mv a0, s0
    mv a1, s2
    li a2, 0
    call uvm_resolve
    beqz a0, 4f
    P2V a1, a0, t0
    andi t0, s2, PGSIZE-1
    add a1, a1, t0                          ; source, through the direct map
    li a2, PGSIZE
    sub a2, a2, t0
    bleu a2, s3, 2f
    mv a2, s3
2:  mv a0, s1
    sub s3, s3, a2
    add s2, s2, a2
    call memcpy
    mv s1, a0
    j 1b
3:  li a0, 0
    LEAVE
4:  li a0, -1
    LEAVE

; copyinstr(a0 = proc, a1 = kernel dst, a2 = user src, a3 = max bytes) -> a0 = 0 when a
; NUL-terminated string of at most max bytes (NUL included) was copied, -1 when it is longer or
; not user memory.
copyinstr:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
1:  beqz s3, 4f
    mv a0, s0
    mv a1, s2
    li a2, 0
    call uvm_resolve
    beqz a0, 4f
    P2V a0, a0, t0
    andi t0, s2, PGSIZE-1
    add a0, a0, t0                          ; source, through the direct map
    li t1, PGSIZE
    sub t1, t1, t0                          ; bytes left in this page
2:  lbu t0, 0(a0)
    sb t0, 0(s1)
    beqz t0, 3f
    addi a0, a0, 1
    addi s1, s1, 1
    addi s2, s2, 1
    addi s3, s3, -1
    beqz s3, 4f
    addi t1, t1, -1
    bnez t1, 2b
    j 1b                                    ; next page
3:  li a0, 0
    LEAVE
4:  li a0, -1
    LEAVE

msg_mapuser: .asciz "mappages: not a user address"
msg_remap:   .asciz "mappages: remap"
    .align 4
