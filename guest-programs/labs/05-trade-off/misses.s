; misses.s: lab 5's first workload: yours to write (docs/labs/05-trade-off.md). Make it a
; program whose cost is TLB misses: it should touch many more pages than the TLB holds, over and
; over, and change its page tables as little as it can. Then EPT, whose every miss walks two
; dimensions, should lose to shadow paging on it. Take its sizes from its arguments
; (`misses.s:PAGES,ROUNDS` in study.json) so that the study can vary them.

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    ; TODO: grow the heap (sbrk), then touch its pages, round after round.
    la a0, msg
    call out_line
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg: .asciz "misses: nothing yet"
    .align 4
