; share-ad.s: page sharing must not carry the page walk's Accessed bit from one VM's page table to
; another's (hypervisor/sharing.ts, docs/host-memory.md). Two VMs run it; WRITER (an .equ the test
; puts first) is 1 in one of them. Both build the same page tables, turn paging on and spin while
; the VMM's scanner merges their identical frames, the page tables among them. The data PTE (VA
; 0x5000 -> 0x6000) is built with A = 0. The writer then loads from VA 0x5000, so its walk sets A in
; its PTE; the other VM never touches that page and, after spinning past the writer's load, reads
; its own PTE: A must still be clear. Prints "A clear" or "A LEAKED" (the checker), "loaded" (the
; writer), and powers off with 0.

    .include "../../../guest-programs/lib/console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000

    .global _start
_start:
    ; Identity map of 0 to 256 KiB (A and D already set: no walk writes there), VA 0x5000 -> 0x6000
    ; with A = 0, the stack's page, and the devices.
    li t0, PT
    li t1, PTE_V | PTE_W | PTE_X | PTE_A | PTE_D
    li t2, 64
1:  sw t1, 0(t0)
    addi t0, t0, 4
    li t3, 0x1000
    add t1, t1, t3
    addi t2, t2, -1
    bne t2, zero, 1b
    li t0, PT
    li t1, 0x6000 | PTE_V | PTE_W
    sw t1, 0x14(t0)
    addi t1, sp, -4
    srli t1, t1, 12
    slli t2, t1, 2
    add t2, t2, t0
    slli t1, t1, 12
    ori t1, t1, PTE_V | PTE_W | PTE_A | PTE_D
    sw t1, 0(t2)
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L | PTE_A | PTE_D
    li t1, PD + 0x3c0 * 4
    sw t0, 0(t1)
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li a0, 300000                   ; the scanner merges the two VMs' tables
    call spin
    li t0, WRITER
    beq t0, zero, check
    li t0, 0x5000
    lw s0, 0(t0)                    ; the walk sets A in this VM's PTE
    print_str loaded
    li a0, 300000
    call spin
    poweroff 0
check:
    li a0, 600000                   ; past the writer's load
    call spin
    li t0, PT
    lw t1, 0x14(t0)
    andi t1, t1, PTE_A
    bne t1, zero, 2f
    print_str clear
    poweroff 0
2:  print_str leaked
    poweroff 0

spin:
1:  addi a0, a0, -1
    bne a0, zero, 1b
    ret

loaded: .asciz "loaded\n"
clear:  .asciz "A clear\n"
leaked: .asciz "A LEAKED\n"

    .org 0x6000
    .word 0x600d600d
