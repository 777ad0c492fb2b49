; faulty.s[:MODE]: a process that misbehaves, to check that the kernel kills only it (the
; kernel prints "[kernel] pid <n> killed: <cause> at 0x<badva>"). MODE (default 0):
;   0  load from address 0 (the null page is unmapped)     load-page-fault at 0x00000000
;   1  mfcr ptbr (privileged)                              privileged-instruction
;   2  an illegal word (0xffffffff)                        illegal-instruction at 0xffffffff
;   3  lw from an address that is not 4-aligned            misaligned-load
;   4  store into the kernel's text at 0x1000 (U = 0)      store-protection-fault at 0x00001000
;   5  no fault: system calls with bad arguments must return -1; prints
;      "faulty: bad arguments rejected" and exits 0 (or "faulty: bad argument accepted", 1)
;   6  jump into the heap beyond the break                 fetch-page-fault
;   7  store below the stack limit                         store-page-fault at 0x7ffe0000
;   8  break                                               breakpoint
;   9  load from a heap page after sbrk gave it back       load-page-fault
;  10  store to the console register from user mode        store-protection-fault at 0xf0000000
;  11  touch a huge heap until memory runs out             out-of-memory

.include "ulib.inc"

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 0
    call arg
    sltiu t0, a0, 12
    beqz t0, 1f
    slli a0, a0, 2
    la t0, modes
    add t0, t0, a0
    lw t0, 0(t0)
    jr t0
1:  li a0, 2                        ; unknown mode
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

    .align 4
modes:
    .word null_load, privileged, illegal, misaligned, kernel_store, bad_args, heap_fetch
    .word stack_overflow, breakpoint, after_shrink, device_store, exhaust

null_load:
    lw a0, 0(zero)
    EXIT 0
privileged:
    mfcr a0, ptbr
    EXIT 0
illegal:
    .word 0xffffffff
    EXIT 0
misaligned:
    la t0, modes
    lw a0, 2(t0)
    EXIT 0
kernel_store:
    li t0, 0x1000
    sw zero, 0(t0)
    EXIT 0
heap_fetch:
    li a0, 0
    call sbrk
    li t0, 0x10000
    add t0, a0, t0
    jr t0
stack_overflow:
    li t0, 0x7ffe0000
    sw zero, 0(t0)
    EXIT 0
breakpoint:
    break
    EXIT 0
after_shrink:
    li a0, 4096
    call sbrk
    mv s0, a0
    li t0, 7
    sw t0, 0(s0)                    ; fault it in, and into the TLB
    lw t0, 0(s0)
    li a0, -4096
    call sbrk
    lw a0, 0(s0)                    ; gone: unmapped, freed and invlpg'd
    EXIT 0
device_store:
    li t0, 0xf0000000
    li t1, 'X'
    sw t1, 0(t0)
    EXIT 0
exhaust:
    li a0, 0x20000000               ; 512 MiB of heap: more than the machine has
    call sbrk
    mv s0, a0
    li s1, 0x20000000
    add s1, s0, s1
1:  sw s0, 0(s0)
    li t0, 4096
    add s0, s0, t0
    bltu s0, s1, 1b
    EXIT 0

; Mode 5: every call must answer -1 and the process must live on.
bad_args:
    la s0, bad_calls
1:  lw t0, 0(s0)                    ; number, a0, a1, a2 per entry; number 0 ends
    beqz t0, 2f
    lw a0, 4(s0)
    lw a1, 8(s0)
    lw a2, 12(s0)
    syscall
    li t1, -1
    bne a0, t1, 3f
    addi s0, s0, 16
    j 1b
2:  la a0, msg_rejected
    call print
    EXIT 0
3:  la a0, msg_accepted
    call print
    EXIT 1

    .align 4
bad_calls:
    .word SYS_WRITE, 0, 4, 0                        ; null buffer
    .word SYS_WRITE, 0x1000, 4, 0                   ; kernel text
    .word SYS_WRITE, 0xc0000000, 4, 0               ; the direct map
    .word SYS_WRITE, msg_rejected, -1, 0            ; negative length
    .word SYS_WRITE, 0x7fffeffc, 8, 0               ; runs off the stack top into the guard
    .word SYS_WAIT, 0, 0, 0                         ; no children
    .word SYS_WAIT, 0x1000, 0, 0                    ; unwritable status address
    .word SYS_SBRK, -0x100000, 0, 0                 ; below the heap's base
    .word SYS_SBRK, 0x7fffffff, 0, 0                ; past the limit
    .word SYS_SPAWN, msg_nosuch, 0, 0               ; no such module
    .word SYS_SPAWN, 0, 0, 0                        ; null name
    .word SYS_SPAWN, msg_faulty, 0, 100             ; too many arguments
    .word 99, 0, 0, 0                               ; no such system call
    .word 0

msg_rejected:   .asciz "faulty: bad arguments rejected\n"
msg_accepted:   .asciz "faulty: bad argument accepted\n"
msg_nosuch:     .asciz "nosuch"
msg_faulty:     .asciz "faulty"
