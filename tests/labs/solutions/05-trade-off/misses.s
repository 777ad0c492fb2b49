; misses.s[:PAGES,ROUNDS]: lab 5's TLB-heavy workload, the reference solution. Grows the heap by
; PAGES pages (default 128) and loads one word from each, ROUNDS times over (default 300): far
; more pages than the 64-entry TLB holds, so nearly every load misses and walks the tables,
; while the page tables change only while the pages first fault in. Prints
;     misses: PAGES pages x ROUNDS rounds, sum S

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    mv s2, a0
    mv s3, a1
    mv a0, s2
    mv a1, s3
    li a2, 0
    li a3, 128
    call arg
    mv s0, a0                       ; s0 = pages
    mv a0, s2
    mv a1, s3
    li a2, 1
    li a3, 300
    call arg
    mv s1, a0                       ; s1 = rounds
    slli a0, s0, 12
    call sbrk
    mv s2, a0                       ; s2 = the first page
    li s3, 0                        ; s3 = the sum
    mv t3, s1
1:  beqz t3, 3f
    mv t0, s2
    mv t1, s0
2:  lw t2, 0(t0)
    add s3, s3, t2
    sw t1, 0(t0)                    ; so that the sum depends on every page
    li t2, 4096
    add t0, t0, t2
    addi t1, t1, -1
    bnez t1, 2b
    addi t3, t3, -1
    j 1b
3:  la a0, msg_head
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_x
    call out_str
    mv a0, s1
    call out_udec
    la a0, msg_sum
    call out_str
    mv a0, s3
    call out_udec
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg_head: .asciz "misses: "
msg_x:    .asciz " pages x "
msg_sum:  .asciz " rounds, sum "
    .align 4
