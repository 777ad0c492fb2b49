; check/pgstat-test.s: `vmmlab lab check 3` runs this user program under your kernel. It calls
; system call 10 (pgstat) on addresses whose answer the contract fixes, and prints one
; `name value` line each for the check to compare.

.include "ulib.inc"

.equ SYS_PGSTAT, 10

; REPORT label, value-reg: "label 0x…" on a line of its own (s3 is free for it).
.macro REPORT label, reg
    mv s3, \reg
    la a0, \label
    call out_str
    li a0, ' '
    call out_char
    mv a0, s3
    call out_hex
    li a0, '\n'
    call out_char
    call out_flush
.endm

; PGSTAT_OF va-constant, label: report pgstat of a constant address.
.macro PGSTAT_OF va, label
    li a0, \va
    SYS SYS_PGSTAT
    REPORT \label, a0
.endm

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    PGSTAT_OF 0x00000000, r_null
    PGSTAT_OF 0x00001000, r_kernel_image
    PGSTAT_OF 0x003ff000, r_below_user
    PGSTAT_OF 0x80000000, r_user_top
    PGSTAT_OF 0xc0000000, r_direct_map
    PGSTAT_OF 0xfffffffc, r_top
    la a0, main                     ; the program's own code: mapped, used
    SYS SYS_PGSTAT
    REPORT r_image, a0
    mv a0, sp                       ; the stack's top page: mapped at creation, written since
    SYS SYS_PGSTAT
    REPORT r_stack, a0
    li a0, 0x7fff0000               ; a stack page below: demand-paged, not touched
    SYS SYS_PGSTAT
    REPORT r_stack_untouched, a0

    li a0, 2 * 4096
    call sbrk
    mv s0, a0                       ; two fresh heap pages
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_heap_untouched, a0
    lw t0, 0(s0)
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_heap_loaded, a0
    li t0, 4095
    add a0, s0, t0                  ; any address in the page answers for it
    SYS SYS_PGSTAT
    REPORT r_heap_loaded_end, a0
    li t0, 7
    sw t0, 0(s0)
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_heap_stored, a0
    li t0, 4096 + 123
    add a0, s0, t0
    SYS SYS_PGSTAT
    REPORT r_heap_second, a0
    li t0, 8192
    add a0, s0, t0                  ; past the break
    SYS SYS_PGSTAT
    REPORT r_heap_beyond, a0

    li t0, 4096                     ; the system call itself touches nothing
    add a0, s0, t0
    SYS SYS_PGSTAT
    li t0, 4096
    add a0, s0, t0
    SYS SYS_PGSTAT
    REPORT r_heap_second_again, a0

    li t1, 0x11111111               ; registers survive it (the kernel's ABI)
    li t2, 0x22222222
    li s1, 0x33333333
    mv a0, s0
    li t0, SYS_PGSTAT
    syscall
    li a1, 0
    li t3, SYS_PGSTAT
    beq t0, t3, 1f
    ori a1, a1, 1
1:  li t3, 0x11111111
    beq t1, t3, 2f
    ori a1, a1, 2
2:  li t3, 0x22222222
    beq t2, t3, 3f
    ori a1, a1, 4
3:  li t3, 0x33333333
    beq s1, t3, 4f
    ori a1, a1, 8
4:  REPORT r_registers_changed, a1

    li a0, 0                        ; numbers around it stay unknown
    SYS 11
    REPORT r_unknown_11, a0
    li a0, 0
    SYS 9999
    REPORT r_unknown_9999, a0

    call fork
    beqz a0, child
    li a0, 0
    call wait
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_parent_after_fork, a0
    li a0, -2 * 4096
    call sbrk
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_heap_freed, a0
    li a0, 0
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

child:
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_child, a0
    lw t0, 0(s0)
    mv a0, s0
    SYS SYS_PGSTAT
    REPORT r_child_loaded, a0
    li t0, 4096
    add a0, s0, t0
    SYS SYS_PGSTAT
    REPORT r_child_second, a0
    li a0, 0
    call exit

r_null:              .asciz "null"
r_kernel_image:      .asciz "kernel-image"
r_below_user:        .asciz "below-user-base"
r_user_top:          .asciz "user-top"
r_direct_map:        .asciz "direct-map"
r_top:               .asciz "top"
r_image:             .asciz "image"
r_stack:             .asciz "stack"
r_stack_untouched:   .asciz "stack-untouched"
r_heap_untouched:    .asciz "heap-untouched"
r_heap_loaded:       .asciz "heap-loaded"
r_heap_loaded_end:   .asciz "heap-loaded-end"
r_heap_stored:       .asciz "heap-stored"
r_heap_second:       .asciz "heap-second"
r_heap_beyond:       .asciz "heap-beyond"
r_heap_second_again: .asciz "heap-second-again"
r_registers_changed: .asciz "registers-changed"
r_unknown_11:        .asciz "unknown-11"
r_unknown_9999:      .asciz "unknown-9999"
r_parent_after_fork: .asciz "parent-after-fork"
r_heap_freed:        .asciz "heap-freed"
r_child:             .asciz "child"
r_child_loaded:      .asciz "child-loaded"
r_child_second:      .asciz "child-second"
    .align 4
