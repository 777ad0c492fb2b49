; balloon.s: the balloon driver (assembled only with -D BALLOON=1; isa/README.md 3.8.2).
; Waldspurger 2002, section 3.2: a driver inside the guest allocates guest frames from the
; guest's own allocator (here kalloc) and hands them to the VMM, which frees the host frames
; behind them; the guest's own memory manager then decides what to give up (it gives free
; frames, never ones in use). Deflating frees them back to the guest (kfree).
;
; At each timer tick the driver asks the VMM how far it is from its target (balloon_target) and
; moves at most BALLOON_BATCH frames towards it. It keeps no list of its frames: the VMM knows
; which it holds, and deflate names one. When kalloc has nothing left the balloon stops growing
; (the guest needs its frames more); when the VMM refuses a frame it goes back to the free list.
; The driver takes frames with balloon_alloc, not kalloc: a frame given away need not be zeroed
; (zeroing would make the host back it only to free it), and it leaves the kernel BALLOON_KEEP
; free frames. When kalloc runs dry the kernel takes a ballooned frame back (balloon_oom).

; balloon_tick(a0 = proc) -> a0 = proc. Clobbers what a call may.
balloon_tick:
    ENTER
    mv s0, a0
    hcall HC_BALLOON_TARGET
    bnez a0, 9f                             ; no balloon device (a0 = -1): nothing to do
    mv s1, a1                               ; s1 = frames still to give (> 0) or take (< 0)
    li s2, BALLOON_BATCH                    ; s2 = moves left this tick
1:  bge zero, s1, 5f                        ; s1 <= 0: take frames back (or nothing to do)
    beqz s2, 9f
    call balloon_alloc                      ; a free frame (not zeroed), or 0 when few are left
    beqz a0, 9f
    mv s3, a0
    hcall HC_BALLOON_INFLATE
    beqz a0, 2f
    mv a0, s3                               ; refused: back to the free list
    call kfree
    j 9f
2:  addi s1, s1, -1
    addi s2, s2, -1
    j 1b
5:  beqz s1, 9f
    beqz s2, 9f
    hcall HC_BALLOON_DEFLATE
    beqz a0, 9f                             ; the VMM holds none of ours
    call kfree
    addi s1, s1, 1
    addi s2, s2, -1
    j 5b
9:  mv a0, s0
    LEAVE

; balloon_alloc() -> a0 = physical address of a free frame, not zeroed, or 0 when the kernel has
; BALLOON_KEEP free frames or fewer: kalloc's choice (the most recently freed frame, which the
; host backs, so giving it frees a host frame; else a never-used one) without its zeroing.
; Leaf; clobbers t0-t2.
balloon_alloc:
    LOAD t1, kmem_nfree
    li t0, BALLOON_KEEP
    bge t0, t1, 4f
    LOAD a0, kmem_freelist
    beqz a0, 1f
    P2V t2, a0, t0
    lw t1, 0(t2)
    STORE t1, kmem_freelist, t0
    j 2f
1:  LOAD a0, kmem_next
    LOAD t1, phystop
    bgeu a0, t1, 4f
    li t1, PGSIZE
    add t1, a0, t1
    STORE t1, kmem_next, t0
2:  LOAD t1, kmem_nfree
    addi t1, t1, -1
    STORE t1, kmem_nfree, t0
    ret
4:  li a0, 0
    ret

; balloon_oom() -> a0: kalloc's ending when no frame is free (KALLOC_EMPTY, balloon.inc): a frame
; the balloon holds, taken back from the VMM (it comes back unbacked, so it reads as zeros, as
; kalloc's frames must), or 0 when the balloon is empty or there is no balloon device (a0 = -1).
; kmem_nfree is unchanged: the frame goes from the balloon straight to kalloc's caller. Leaf
; (a jump from kalloc, so it returns to kalloc's caller); clobbers a0 only.
balloon_oom:
    hcall HC_BALLOON_DEFLATE
    bge zero, a0, 1f                        ; 0 (none held) or -1 (no device): nothing to give
    ret
1:  li a0, 0
    ret
