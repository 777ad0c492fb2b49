; switches.s: lab 5's second workload: yours to write (docs/labs/05-trade-off.md). Make it a
; program whose cost is changes of address space or of page tables: context switches between
; processes (fork, then yield), processes made and ended (fork, exit, wait), or a heap grown and
; shrunk (sbrk), with little other work. Then shadow paging, which must see every one of them,
; should lose to EPT on it. Take its sizes from its arguments (`switches.s:N`).

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    ; TODO: switch, fork or sbrk, many times over.
    la a0, msg
    call out_line
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg: .asciz "switches: nothing yet"
    .align 4
