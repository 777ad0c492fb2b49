; pages.s[:N]: lab 3's user program, the reference solution: what the kernel's page tables say
; about N new heap pages (default 3), read with the pgstat system call, as demand paging, fork
; and sbrk change them. Prints
;     pages: N new heap pages; pgstat untouched, after a load, after a store
;     page 0: 0x........ 0x........ 0x........          (one line per page)
;     child: page 0 0x........, after a load 0x........
;     parent: after sbrk(-N pages), page 0 0x........

.include "ulib.inc"

.equ SYS_PGSTAT, 10                 ; the system call lab 3 adds (kernel/syscall.inc)

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 3
    call arg
    mv s0, a0                       ; s0 = N
    slli a0, s0, 12
    call sbrk
    li t0, -1
    beq a0, t0, failed
    mv s1, a0                       ; s1 = the first new page (the break was page-aligned)
    la a0, msg_head
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_head_end
    call out_line
    li s2, 0                        ; s2 = i
1:  bge s2, s0, 2f
    slli s3, s2, 12
    add s3, s1, s3                  ; s3 = page i
    la a0, msg_page
    call out_str
    mv a0, s2
    call out_udec
    li a0, ':'
    call out_char
    call show                       ; untouched
    lw t0, 0(s3)                    ; a load: the page fault maps it
    call show
    sw s2, 0(s3)                    ; a store: the dirty bit
    call show
    call out_flush_nl
    addi s2, s2, 1
    j 1b

2:  call fork
    blt a0, zero, failed
    beqz a0, child
    li a0, 0
    call wait
    slli a0, s0, 12
    neg a0, a0
    call sbrk
    la a0, msg_parent
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_parent_end
    call out_str
    mv s3, s1
    call show
    call out_flush_nl
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

child:                              ; fork copied page 0: V W X U only
    la a0, msg_child
    call out_str
    mv s3, s1
    call show
    la a0, msg_child_load
    call out_str
    lw t0, 0(s3)
    call show
    call out_flush_nl
    li a0, 0
    call exit

failed:
    la a0, msg_failed
    call out_line
    li a0, 1
    call exit

; show(): append " 0x…" with pgstat of the page at s3.
show:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a0, ' '
    call out_char
    mv a0, s3
    call pgstat
    call out_hex
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

; out_flush_nl(): end the line and write it.
out_flush_nl:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a0, '\n'
    call out_char
    call out_flush
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

; pgstat(a0 = va) -> a0 = the flag bits of va's page: the system call.
pgstat:
    SYS SYS_PGSTAT
    ret

msg_head:       .asciz "pages: "
msg_head_end:   .asciz " new heap pages; pgstat untouched, after a load, after a store"
msg_page:       .asciz "page "
msg_child:      .asciz "child: page 0"
msg_child_load: .asciz ", after a load"
msg_parent:     .asciz "parent: after sbrk(-"
msg_parent_end: .asciz " pages), page 0"
msg_failed:     .asciz "pages: sbrk or fork failed"
    .align 4
