; kalloc.s: the physical frame allocator (xv6's kalloc.c): a free list of 4 KiB frames threaded
; through the frames themselves (each free frame's first word holds the next one's physical
; address), in front of a watermark below which frames have been handed out at least once.
; Unlike xv6, kinit does not thread all of RAM onto the list: that would write to every frame at
; boot, which costs ~7 instructions a frame and, under a hypervisor that backs guest memory
; lazily (EPT, shadow), makes the host back all of it at once. Frames are named by physical
; address and touched through the direct map, so these routines need paging on. They never
; decide policy: callers handle a 0 from kalloc.

; kinit(): give every frame of [freestart, phystop) to the allocator. Leaf; clobbers t0-t2.
kinit:
    LOAD t0, freestart
    STORE t0, kmem_next, t1
    STORE zero, kmem_freelist, t1
    LOAD t1, phystop
    sub t1, t1, t0
    srli t1, t1, PGSHIFT
    STORE t1, kmem_nfree, t2
    ret

; kfree(a0 = pa): return a frame to the free list. A frame that kalloc could not have handed out
; (misaligned, outside [freestart, kmem_next)) is a kernel bug: panic. Leaf; clobbers t0-t2.
kfree:
    andi t0, a0, PGSIZE-1
    bnez t0, 1f
    LOAD t0, freestart
    bltu a0, t0, 1f
    LOAD t0, kmem_next
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

; kalloc() -> a0 = physical address of a zeroed frame, or 0 when none is left: the most
; recently freed frame, else the next never-used one. Leaf; clobbers t0-t2.
kalloc:
    LOAD a0, kmem_freelist
    beqz a0, 1f
    P2V t2, a0, t0
    lw t1, 0(t2)
    STORE t1, kmem_freelist, t0
    j 2f
1:  LOAD a0, kmem_next                      ; the list is empty: take a never-used frame
    LOAD t1, phystop
    bgeu a0, t1, 4f
    li t1, PGSIZE
    add t1, a0, t1
    STORE t1, kmem_next, t0
    P2V t2, a0, t0
2:  LOAD t1, kmem_nfree
    addi t1, t1, -1
    STORE t1, kmem_nfree, t0
    li t1, PGSIZE
    add t1, t2, t1
3:  sw zero, 0(t2)
    sw zero, 4(t2)
    sw zero, 8(t2)
    sw zero, 12(t2)
    sw zero, 16(t2)
    sw zero, 20(t2)
    sw zero, 24(t2)
    sw zero, 28(t2)
    addi t2, t2, 32
    bltu t2, t1, 3b
    ret
4:  KALLOC_EMPTY                          ; a0 = 0 (the balloon build: balloon.inc)
    ret

msg_kfree: .asciz "kfree: not a free-able frame"
    .align 4
