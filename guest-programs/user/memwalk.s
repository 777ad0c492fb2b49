; memwalk.s[:N,STRIDE,ROUNDS]: grow the heap by N*STRIDE bytes with sbrk, then ROUNDS times make
; N accesses STRIDE bytes apart (defaults 256, 4096, 10: one word in each of 256 pages, far more
; pages than TLB entries, so nearly every access misses). Access i of round r, at word address
; a = (base + i*STRIDE) & ~3, does
;     v = mem[a] + i + r;  mem[a] = v;  sum = sum + v   (mod 2^32)
; The heap is demand-paged: the first round faults in each distinct page once. Prints
;     memwalk: <N> x <STRIDE> x <ROUNDS> pages <distinct pages> checksum 0x<sum>

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    mv s0, a0                       ; argc, argv: fetched one by one
    mv s1, a1
    mv a0, s0
    mv a1, s1
    li a2, 0
    li a3, 256
    call arg
    mv s2, a0                       ; N
    mv a0, s0
    mv a1, s1
    li a2, 1
    li a3, 4096
    call arg
    mv s3, a0                       ; STRIDE
    mv a0, s0
    mv a1, s1
    li a2, 2
    li a3, 10
    call arg
    la t0, rounds
    sw a0, 0(t0)
    la t0, stride
    sw s3, 0(t0)
    mul a0, s2, s3
    call sbrk
    li t0, -1
    beq a0, t0, 9f
    mv s0, a0                       ; base
    li s1, 0                        ; sum
    li t4, 0                        ; round r
1:  la t0, rounds
    lw t0, 0(t0)
    bge t4, t0, 4f
    li t3, 0                        ; i
    mv t2, s0                       ; base + i*STRIDE
2:  bge t3, s2, 3f
    andi t0, t2, -4
    lw t1, 0(t0)
    add t1, t1, t3
    add t1, t1, t4
    sw t1, 0(t0)
    add s1, s1, t1
    add t2, t2, s3
    addi t3, t3, 1
    j 2b
3:  addi t4, t4, 1
    j 1b
4:  li s3, 0                        ; distinct pages: the page number changes along the walk
    li t4, -1                       ; (addresses only increase)
    li t3, 0
    mv t2, s0
5:  bge t3, s2, 6f
    andi t0, t2, -4
    srli t0, t0, 12
    beq t0, t4, 7f
    mv t4, t0
    addi s3, s3, 1
7:  la t0, stride
    lw t0, 0(t0)
    add t2, t2, t0
    addi t3, t3, 1
    j 5b
6:  la a0, msg_name
    call out_str
    mv a0, s2
    call out_udec
    la a0, msg_x
    call out_str
    la t0, stride
    lw a0, 0(t0)
    call out_udec
    la a0, msg_x
    call out_str
    la t0, rounds
    lw a0, 0(t0)
    call out_udec
    la a0, msg_pages
    call out_str
    mv a0, s3
    call out_udec
    la a0, msg_checksum
    call out_str
    mv a0, s1
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    j 8f
9:  la a0, msg_nomem
    call print
    li a0, 1
8:  lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg_name:       .asciz "memwalk: "
msg_x:          .asciz " x "
msg_pages:      .asciz " pages "
msg_checksum:   .asciz " checksum "
msg_nomem:      .asciz "memwalk: sbrk failed\n"
    .align 4
stride:         .word 0
rounds:         .word 0
