; pages.s[:N]: lab 3's user program: yours to finish (docs/labs/03-address-spaces.md). It shows
; what the kernel's page tables say about N new heap pages (default 3), with the pgstat system
; call you add to the kernel (kernel/), as demand paging, fork and sbrk change them. It must
; print exactly (the values in hex, as out_hex writes them):
;     pages: N new heap pages; pgstat untouched, after a load, after a store
;     page 0: 0x........ 0x........ 0x........            one line per page: pgstat of the page
;     …                                                  before it is touched, after a load from
;                                                        it, after a store to it
;     child: page 0 0x........, after a load 0x........  in a child made by fork (after the
;                                                        loop): page 0 before and after a load
;     parent: after sbrk(-N pages), page 0 0x........    in the parent, once the child has exited
;                                                        and the heap has shrunk back
; and exit with 0. Run it: vmmlab run kernel/kernel.s --module pages.s:3

.include "ulib.inc"

.equ SYS_PGSTAT, 10                 ; the system call you add (kernel/syscall.inc)

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 3
    call arg
    mv s0, a0                       ; s0 = N
    slli a0, s0, 12
    call sbrk                       ; the heap grows by N pages; none is mapped yet
    mv s1, a0                       ; s1 = the first new page (the break starts page-aligned)
    la a0, msg_head
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_head_end
    call out_line
    ; TODO step 4: a line per page (pgstat untouched, after a load, after a store); then fork:
    ; the child prints its line and exits, the parent waits for it, shrinks the heap back with
    ; sbrk(-N pages) and prints its line.
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

; pgstat(a0 = va) -> a0 = the flag bits of the leaf entry that maps va (0: none; -1: va is not a
; user address). A system call: number SYS_PGSTAT in t0, the argument in a0.
pgstat:
    SYS SYS_PGSTAT
    ret

msg_head:     .asciz "pages: "
msg_head_end: .asciz " new heap pages; pgstat untouched, after a load, after a store"
    .align 4
