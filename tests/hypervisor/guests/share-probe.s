; share-probe.s: an adversary of content-based page sharing (hypervisor/sharing.ts). Two VMs
; run it with paging off; WRITER (an .equ the test puts first) is 1 in one of them, 0 in the other.
;
; Both fill 16 pages at 0x40000 with the same contents (word i of every page = 0x5a5a0000 + i),
; so the VMM's scanner can merge them within and across the VMs, and leave the 16 pages at
; 0x60000 zero. Both then spin for a while (the scans happen). The writer then stores a marker
; into word 5 of each filled page and into word 9 of each zero page, and reads its stores back;
; the other VM keeps checking, for longer than the writer runs, that every one of its pages still
; holds exactly what it wrote (or zero). Each prints what it found and powers off with the
; number of words that were not as expected (0 when isolation holds).

    .include "../../../guest-programs/lib/console.inc"

    .equ BASE, 0x40000
    .equ ZBASE, 0x60000
    .equ PAGES, 16
    .equ MARK, 0x0badf00d

    .global _start
_start:
    li s0, BASE
    li s1, 0                        ; word index over all pages
    li s2, PAGES * 1024
1:  andi t0, s1, 1023
    li t1, 0x5a5a0000
    add t1, t1, t0
    slli t2, s1, 2
    add t2, t2, s0
    sw t1, 0(t2)
    addi s1, s1, 1
    bltu s1, s2, 1b
    li a0, 300000                   ; let the scanner run
    call spin
    li s3, 0                        ; words not as expected
    li t0, WRITER
    beq t0, zero, check
    ; The writer: a marker into every filled page and every zero page, read back.
    li s1, 0
2:  slli t2, s1, 12
    add t3, t2, s0
    li t1, MARK
    sw t1, 20(t3)
    li t4, ZBASE
    add t4, t4, t2
    sw t1, 36(t4)
    lw a2, 20(t3)
    bne a2, t1, 3f
    lw a2, 36(t4)
    bne a2, t1, 3f
    j 4f
3:  addi s3, s3, 1
4:  addi s1, s1, 1
    li t0, PAGES
    bltu s1, t0, 2b
    print_str wrote
    j done
check:
    ; The other VM: check every word of both areas, many times over.
    li a3, 12                       ; rounds
5:  li s1, 0
6:  andi t0, s1, 1023
    li t1, 0x5a5a0000
    add t1, t1, t0
    slli t2, s1, 2
    add t3, t2, s0
    lw a2, 0(t3)
    beq a2, t1, 7f
    addi s3, s3, 1
7:  li t4, ZBASE
    add t4, t4, t2
    lw a2, 0(t4)
    beq a2, zero, 8f
    addi s3, s3, 1
8:  addi s1, s1, 1
    bltu s1, s2, 6b
    addi a3, a3, -1
    bne a3, zero, 5b
    print_str checked
done:
    mv a0, s3
    call putdec
    print_char '\n'
    li t0, POWER_OFF
    sw s3, 0(t0)
9:  j 9b

; Spin a0 iterations.
spin:
1:  addi a0, a0, -1
    bne a0, zero, 1b
    ret

wrote:
    .asciz "writer: wrong "
checked:
    .asciz "checker: wrong "
