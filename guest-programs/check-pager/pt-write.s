; pt-write.s: a store to a guest page table changes what the guest sees (isa/README.md 6.4).
;
; The kernel maps VA 0x5000 to the frame at 0x6000 and maps its own page table at VA 0x8000,
; writable, so that it edits its PTEs through paging, as kernels do. It reads VA 0x5000
; (0x11111111), rewrites the PTE through VA 0x8000 to point at 0x9000 and runs invlpg: the next
; read must see 0x22222222. Then it clears the PTE's V bit (invlpg again): the read must fault
; (cause 9, a load page fault), which the trap handler counts. A shadow pager that does not
; write-protect the guest's page tables never sees these stores, and keeps the old mapping.
; Prints "remapped 0x22222222, unmapped: 1 fault" (with paging off again: the stack is not
; mapped) and powers off with 0.

    .include "console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000
    .equ PT_VA, 0x8000              ; the page table, mapped at its own address
    .equ FAULTS, 0x4000             ; the trap handler's count (identity-mapped)

    .global _start
_start:
    la t0, handler
    mtcr evec, t0
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)                    ; directory entry 0 -> PT
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L
    li t1, PD + 0x3c0 * 4
    sw t0, 0(t1)                    ; devices
    li t0, PT
    li t1, 0x1000 | PTE_V | PTE_X
    sw t1, 4(t0)                    ; code, identity
    li t1, 0x2000 | PTE_V | PTE_X
    sw t1, 8(t0)
    li t1, 0x4000 | PTE_V | PTE_W
    sw t1, 0x10(t0)                 ; the fault count
    li t1, 0x6000 | PTE_V | PTE_W
    sw t1, 0x14(t0)                 ; VA 0x5000 -> 0x6000
    li t1, PT | PTE_V | PTE_W
    sw t1, 0x20(t0)                 ; VA 0x8000 -> the page table itself, writable
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0

    li s0, 0x5000
    lw s1, 0(s0)                    ; 0x11111111: the shadow (or TLB) now holds VA 0x5000
    li t0, PT_VA
    li t1, 0x9000 | PTE_V | PTE_W
    sw t1, 0x14(t0)                 ; remap VA 0x5000 -> 0x9000, through paging
    invlpg s0
    lw s2, 0(s0)                    ; must be 0x22222222
    li t0, PT_VA
    sw zero, 0x14(t0)               ; unmap VA 0x5000
    invlpg s0
    lw s3, 0(s0)                    ; must fault: the handler counts it and skips the load
    li t0, STATUS_MODE
    mtcr status, t0                 ; paging off to print (the stack is not mapped)

    print_str remapped_msg
    print_hex s2
    print_str unmapped_msg
    li t0, FAULTS
    lw a0, 0(t0)
    call putdec
    print_str faults_msg
    poweroff 0

handler:
    mfcr t0, cause
    li t1, 9                        ; LOAD_PAGE_FAULT: count it
    bne t0, t1, 1f
    li t0, FAULTS
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
1:  mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    li t0, STATUS_MODE | STATUS_PMODE | STATUS_PG
    mtcr status, t0
    eret

remapped_msg: .asciz "remapped "
unmapped_msg: .asciz ", unmapped: "
faults_msg: .asciz " fault\n"

    .org 0x6000
    .word 0x11111111
    .org 0x9000
    .word 0x22222222
