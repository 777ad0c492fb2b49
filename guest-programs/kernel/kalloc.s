; kalloc.s: the physical frame allocator (xv6's kalloc.c): a free list of 4 KiB frames threaded
; through the frames themselves (each free frame's first word holds the next one's physical
; address). Frames are named by physical address and touched through the direct map, so these
; routines need paging on. They never decide policy: callers handle a 0 from kalloc.

; kinit(): give every frame of [freestart, phystop) to the allocator. Builds the list in one
; pass from the top down (so kalloc hands out frames in increasing address order) rather than
; kfree-ing 16384 frames one by one. Leaf; clobbers a0, t0-t4.
kinit:
    LOAD t0, freestart
    LOAD t1, phystop
    PGROUNDDOWN t1, t1
    li t2, 0                                ; the list so far
    li t3, 0                                ; its length
    lui t4, %hi(DIRECTMAP)
1:  bgeu t0, t1, 2f
    li a0, PGSIZE
    sub t1, t1, a0
    add a0, t1, t4
    sw t2, 0(a0)                            ; next = the list so far
    mv t2, t1
    addi t3, t3, 1
    j 1b
2:  STORE t2, kmem_freelist, t0
    STORE t3, kmem_nfree, t0
    ret

; kfree(a0 = pa): return a frame to the free list. A frame that kalloc could not have handed out
; (misaligned, outside [freestart, phystop)) is a kernel bug: panic. Leaf; clobbers t0-t2.
kfree:
    andi t0, a0, PGSIZE-1
    bnez t0, 1f
    LOAD t0, freestart
    bltu a0, t0, 1f
    LOAD t0, phystop
    bgeu a0, t0, 1f
    P2V t2, a0, t0
    LOAD t1, kmem_freelist
    sw t1, 0(t2)
    STORE a0, kmem_freelist, t0
    LOAD t1, kmem_nfree
    addi t1, t1, 1
    STORE t1, kmem_nfree, t0
    ret
1:  la a0, msg_kfree
    j panic

; kalloc() -> a0 = physical address of a zeroed frame, or 0 when none is left.
; Leaf; clobbers t0-t2.
kalloc:
    LOAD a0, kmem_freelist
    beqz a0, 2f
    P2V t2, a0, t0
    lw t1, 0(t2)
    STORE t1, kmem_freelist, t0
    LOAD t1, kmem_nfree
    addi t1, t1, -1
    STORE t1, kmem_nfree, t0
    li t1, PGSIZE
    add t1, t2, t1
1:  sw zero, 0(t2)
    sw zero, 4(t2)
    sw zero, 8(t2)
    sw zero, 12(t2)
    sw zero, 16(t2)
    sw zero, 20(t2)
    sw zero, 24(t2)
    sw zero, 28(t2)
    addi t2, t2, 32
    bltu t2, t1, 1b
2:  ret

msg_kfree: .asciz "kfree: not a free-able frame"
    .align 4
