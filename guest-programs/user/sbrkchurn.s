; sbrkchurn.s[:N]: N times (default 100): grow the heap by k = 1 + (i mod 8) pages, check that
; each new page reads as zero (a fresh demand-paged frame: the frames of the last round were
; freed and unmapped), write i + j into page j, read the pages back, then shrink the heap by the
; same amount (sbrk must return the grown break). Every round faults its k pages in again, and
; frees them: with leaking frames a small memory runs out. Prints
;     sbrkchurn: <N> rounds <pages> pages checksum 0x<sum of everything read back>

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 100
    call arg
    mv s0, a0                       ; N
    li s1, 0                        ; i
    li s2, 0                        ; checksum
    li s3, 0                        ; pages touched
1:  bge s1, s0, 5f
    andi a0, s1, 7
    addi a0, a0, 1
    add s3, s3, a0
    slli a0, a0, 12
    call sbrk
    li t0, -1
    beq a0, t0, 8f
    mv t4, a0                       ; base of the new pages
    andi t3, s1, 7                  ; t3 = k - 1 ... 0: page j = t3
2:  slli t0, t3, 12
    add t0, t4, t0
    lw t1, 0(t0)
    bnez t1, 8f                     ; not a fresh zeroed page
    add t1, s1, t3
    sw t1, 0(t0)
    addi t3, t3, -1
    bge t3, zero, 2b
    andi t3, s1, 7
3:  slli t0, t3, 12
    add t0, t4, t0
    lw t1, 0(t0)
    add s2, s2, t1
    addi t3, t3, -1
    bge t3, zero, 3b
    andi a0, s1, 7                  ; shrink back
    addi a0, a0, 1
    slli a0, a0, 12
    neg a0, a0
    addi sp, sp, -4
    sw t4, 0(sp)
    call sbrk
    lw t4, 0(sp)
    addi sp, sp, 4
    andi t0, s1, 7
    addi t0, t0, 1
    slli t0, t0, 12
    add t0, t4, t0
    bne a0, t0, 8f                  ; sbrk returns the old (grown) break
    addi s1, s1, 1
    j 1b
5:  la a0, msg_name
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_rounds
    call out_str
    mv a0, s3
    call out_udec
    la a0, msg_pages
    call out_str
    mv a0, s2
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    j 9f
8:  la a0, msg_name
    call out_str
    la a0, msg_failed
    call out_str
    mv a0, s1
    call out_udec
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 1
9:  lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg_name:       .asciz "sbrkchurn: "
msg_rounds:     .asciz " rounds "
msg_pages:      .asciz " pages checksum "
msg_failed:     .asciz "failed in round "
