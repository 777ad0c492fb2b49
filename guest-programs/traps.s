; traps.s: take three traps (syscall, an illegal instruction, a misaligned load); the handler
; prints each cause (and BADVA for the misaligned load), then returns past the trapping
; instruction. Prints "all traps handled" and exits 0, or exits 1 if the count is wrong.
    .include "lib/console.inc"

    .global _start
_start:
    la t0, trap_handler
    mtcr evec, t0
    syscall                     ; cause 2 (SYSCALL)
    .word 0                     ; cause 0 (ILLEGAL_INSTRUCTION): opcode 0 is reserved
    li t0, 0x1002
    lw t1, 0(t0)                ; cause 5 (MISALIGNED_LOAD), BADVA = 0x1002

    la t0, trap_count
    lw t0, 0(t0)
    li t1, 3
    bne t0, t1, wrong_count
    print_str done_msg
    poweroff 0
wrong_count:
    print_str wrong_msg
    poweroff 1

; Entered with EPC = the address of the trapping instruction. Saves what it uses on the stack.
trap_handler:
    addi sp, sp, -32
    sw ra, 0(sp)
    sw a0, 4(sp)
    sw s0, 8(sp)
    sw t0, 12(sp)
    sw t1, 16(sp)
    sw t2, 20(sp)
    sw t3, 24(sp)
    sw t4, 28(sp)

    la t0, trap_count
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)

    mfcr s0, cause
    print_str cause_msg
    print_dec s0
    li t0, CAUSE_MISALIGNED_LOAD
    bne s0, t0, 1f
    print_str badva_msg
    mfcr s0, badva
    print_hex s0
1:  print_char '\n'

    mfcr t0, epc                ; resume after the trapping instruction
    addi t0, t0, 4
    mtcr epc, t0

    lw ra, 0(sp)
    lw a0, 4(sp)
    lw s0, 8(sp)
    lw t0, 12(sp)
    lw t1, 16(sp)
    lw t2, 20(sp)
    lw t3, 24(sp)
    lw t4, 28(sp)
    addi sp, sp, 32
    eret

cause_msg:
    .asciz "trap: cause "
badva_msg:
    .asciz ", badva "
done_msg:
    .asciz "all traps handled\n"
wrong_msg:
    .asciz "wrong number of traps\n"
    .align 4
trap_count:
    .word 0
