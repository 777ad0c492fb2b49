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
    call kalloc                             ; a zeroed frame, or 0 when none is left
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
