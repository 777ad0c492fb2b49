; pv.s: the PV build's page-table updates (assembled only with -D PV=1; isa/README.md 3.8.1).
; A PV kernel never stores to a page table: once a frame is one, the VMM keeps it read-only. It
; queues each entry change here, as (physical address of the entry, new value), with the invlpgs
; that must follow the changes, and hands the queue to the VMM in one hypercall: an mmu_update,
; or a multicall [mmu_update, invlpg, …] when pages were unmapped. Where xv6's code loops over
; pages (fork's copy, unmapping a range), one flush covers the loop (Barham et al. 2003, section 3.3.3:
; "batching updates").
;
; The queue is flushed when it is full, at the end of each mappages and uvmunmap unless a batch
; is open (pv_batch_begin … pv_batch_end, around uvmcopy), and before a directory entry takes
; effect (walk needs its page table at once). Entries are only ever queued for pages nobody
; reads back before the flush. Leaf routines below clobber t0-t4, a0 and a1, as any call may.

; pv_queue_pte(a0 = kernel address of an entry (direct map), a1 = new value).
pv_queue_pte:
    lui t2, %hi(DIRECTMAP)
    sub a0, a0, t2                          ; the entry's physical address
    LOAD t0, pv_nupdates
    slli t1, t0, 3
    la t2, pv_updates
    add t1, t1, t2
    sw a0, 0(t1)
    sw a1, 4(t1)
    addi t0, t0, 1
    STORE t0, pv_nupdates, t1
    li t1, PV_QUEUE
    bgeu t0, t1, pv_flush
    ret

; pv_queue_invlpg(a0 = va): invalidate va's translation once the queued updates are applied.
pv_queue_invlpg:
    LOAD t0, pv_ninvlpg
    slli t1, t0, 2
    la t2, pv_invlpgs
    add t1, t1, t2
    sw a0, 0(t1)
    addi t0, t0, 1
    STORE t0, pv_ninvlpg, t1
    li t1, PV_INVLPG_QUEUE
    bgeu t0, t1, pv_flush
    ret

; pv_batch_begin() / pv_batch_end(): hold the queue across a loop of calls; the outermost end flushes.
pv_batch_begin:
    LOAD t0, pv_depth
    addi t0, t0, 1
    STORE t0, pv_depth, t1
    ret
pv_batch_end:
    LOAD t0, pv_depth
    addi t0, t0, -1
    STORE t0, pv_depth, t1
    beqz t0, pv_flush
    ret

; pv_sync(): flush, unless a batch is open.
pv_sync:
    LOAD t0, pv_depth
    beqz t0, pv_flush
    ret

; pv_flush(): hand the queue to the VMM: one mmu_update, or with invlpgs one multicall.
pv_flush:
    LOAD t0, pv_ninvlpg
    bnez t0, 2f
    LOAD a1, pv_nupdates
    beqz a1, 1f
    la a0, pv_updates                       ; the kernel image is identity-mapped: va = pa
    hcall HC_MMU_UPDATE
    bnez a0, pv_refused
    STORE zero, pv_nupdates, t0
1:  ret
2:  la t1, pv_multicall                     ; entry 0: mmu_update(pv_updates, n)
    li t2, HC_MMU_UPDATE
    sw t2, 0(t1)
    la t2, pv_updates
    sw t2, 4(t1)
    LOAD t2, pv_nupdates
    sw t2, 8(t1)
    la t3, pv_invlpgs
    li t4, 0
3:  addi t1, t1, 16                         ; entries 1…: invlpg(va)
    li t2, HC_INVLPG
    sw t2, 0(t1)
    slli t2, t4, 2
    add t2, t3, t2
    lw t2, 0(t2)
    sw t2, 4(t1)
    addi t4, t4, 1
    bltu t4, t0, 3b
    la a0, pv_multicall
    addi a1, t0, 1
    hcall HC_MULTICALL
    bnez a0, pv_refused
    STORE zero, pv_nupdates, t0
    STORE zero, pv_ninvlpg, t0
    ret

; The VMM refused an update, a pin or a PTBR: the kernel asked for something a PV kernel may not do.
pv_refused:
    la a0, msg_pv_refused
    j panic

msg_pv_refused: .asciz "pv: the hypervisor refused a page-table hypercall"
    .align 4
