; phases.s[:PAGES,ROUNDS,FORKS]: a workload whose behaviour changes half-way, for dynamic switching
; between shadow paging and EPT (guest-programs/studies/dynamic-switch.json). Defaults 1024, 150, 60.
;
; Phase 1, TLB-heavy: grow the heap by PAGES pages, then ROUNDS times touch one word in each page
; (far more pages than TLB entries: nearly every access misses, and nothing changes a page table),
; as memwalk.s does: access i of round r does v = mem[page i] + i + r; mem[page i] = v; sum += v.
; Then shrink the heap back, freeing the pages.
; Phase 2, fork- and context-switch-heavy: FORKS times fork a child that grows its heap by 3
; pages, writes i*k + 1 into page k, reads them back and exits with (13*i + sum) & 0xff; the
; parent waits for it and checks the status, as forkstorm.s does (every fork copies and frees an
; address space and switches to it and back: page-table writes and PTBR writes).
; Prints
;     phases: tlb <PAGES> x <ROUNDS> checksum 0x<sum>, fork <FORKS> children checksum 0x<h>
; or "phases: failed" and exits 1.

.include "ulib.inc"

.equ CHILD_PAGES, 3

main:
    addi sp, sp, -8                 ; 0: ra, 4: a child's status
    sw ra, 0(sp)
    mv s0, a0                       ; argc, argv
    mv s1, a1
    mv a0, s0
    mv a1, s1
    li a2, 0
    li a3, 1024
    call arg
    la t0, pages
    sw a0, 0(t0)
    mv a0, s0
    mv a1, s1
    li a2, 1
    li a3, 150
    call arg
    la t0, rounds
    sw a0, 0(t0)
    mv a0, s0
    mv a1, s1
    li a2, 2
    li a3, 60
    call arg
    la t0, forks
    sw a0, 0(t0)

; ---- phase 1: the TLB-heavy walk
    la t0, pages
    lw a0, 0(t0)
    slli a0, a0, 12
    call sbrk
    li t0, -1
    beq a0, t0, 8f
    mv s0, a0                       ; base
    li s1, 0                        ; sum
    la t0, pages
    lw s2, 0(t0)                    ; PAGES
    la t0, rounds
    lw s3, 0(t0)                    ; ROUNDS
    li t4, 0                        ; round r
1:  bge t4, s3, 4f
    li t3, 0                        ; i
    mv t2, s0                       ; base + i*4096
2:  bge t3, s2, 3f
    lw t1, 0(t2)
    add t1, t1, t3
    add t1, t1, t4
    sw t1, 0(t2)
    add s1, s1, t1
    li t0, 4096
    add t2, t2, t0
    addi t3, t3, 1
    j 2b
3:  addi t4, t4, 1
    j 1b
4:  la t0, tlbsum
    sw s1, 0(t0)
    slli a0, s2, 12                 ; give the pages back
    sub a0, zero, a0
    call sbrk
    slli t0, s2, 12                 ; it returns the old break, base + PAGES*4096
    add t0, t0, s0
    bne a0, t0, 8f

; ---- phase 2: forks, each a new address space switched to and from
    la t0, forks
    lw s0, 0(t0)                    ; FORKS
    li s1, 1                        ; i
    li s3, 0                        ; checksum
6:  bgt s1, s0, 7f
    call fork
    beqz a0, child
    blt a0, zero, 8f
    mv s2, a0                       ; the child's pid
    addi a0, sp, 4
    call wait
    bne a0, s2, 8f
    lw t0, 4(sp)
    slli t1, s1, 4
    addi t1, t1, 3
    andi t1, t1, 0xff
    bne t0, t1, 8f
    li t1, 31
    mul s3, s3, t1
    add s3, s3, t0
    addi s1, s1, 1
    j 6b

7:  la a0, msg_name
    call out_str
    la t0, pages
    lw a0, 0(t0)
    call out_udec
    la a0, msg_x
    call out_str
    la t0, rounds
    lw a0, 0(t0)
    call out_udec
    la a0, msg_checksum
    call out_str
    la t0, tlbsum
    lw a0, 0(t0)
    call out_hex
    la a0, msg_fork
    call out_str
    mv a0, s0
    call out_udec
    la a0, msg_children
    call out_str
    mv a0, s3
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
    li a0, 0
    j 9f
8:  la a0, msg_failed
    call print
    li a0, 1
9:  lw ra, 0(sp)
    addi sp, sp, 8
    ret

; The child of round i = s1: touch CHILD_PAGES fresh heap pages and exit with the status.
child:
    li a0, CHILD_PAGES * 4096
    call sbrk
    li t0, -1
    beq a0, t0, 3f
    li t0, 0                        ; k
    mv t1, a0
1:  mul t2, s1, t0
    addi t2, t2, 1
    sw t2, 0(t1)
    li t3, 4096
    add t1, t1, t3
    addi t0, t0, 1
    li t3, CHILD_PAGES
    blt t0, t3, 1b
    li t2, 0                        ; sum, read back
2:  li t3, 4096
    sub t1, t1, t3
    lw t3, 0(t1)
    add t2, t2, t3
    addi t0, t0, -1
    bnez t0, 2b
    li t0, 13
    mul a0, s1, t0
    add a0, a0, t2
    andi a0, a0, 0xff
    call exit
3:  li a0, 255
    call exit

msg_name:       .asciz "phases: tlb "
msg_x:          .asciz " x "
msg_checksum:   .asciz " checksum "
msg_fork:       .asciz ", fork "
msg_children:   .asciz " children checksum "
msg_failed:     .asciz "phases: failed\n"
    .align 4
pages:          .word 0
rounds:         .word 0
forks:          .word 0
tlbsum:         .word 0
