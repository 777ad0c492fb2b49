; pg-global-off.s: turning paging off must stop every translation, Global ones included.
;
; VA 0x5000 is mapped Global to the frame at 0x6000 and read with paging on (0x22222222), so the
; TLB holds a Global entry for it. With STATUS.PG = 0 the same address is physical 0x5000
; (0x11111111): the TLB is not used at all with paging off (isa/README.md 6.1 and 6.4).
; The same with a non-Global mapping of VA 0x3000 -> 0x4000 (0x44444444 vs 0x33333333).
; Prints "global: physical|TRANSLATED" and "local: physical|TRANSLATED", powers off with 0.

    .include "console.inc"

    .equ PD, 0x7000
    .equ PT, 0x8000

    .global _start
_start:
    li t0, PD
    li t1, PT | PTE_V
    sw t1, 0(t0)
    li t0, PT
    li t1, 0x1000 | PTE_V | PTE_X | PTE_G
    sw t1, 4(t0)
    li t1, 0x2000 | PTE_V | PTE_X | PTE_G
    sw t1, 8(t0)
    li t1, 0x4000 | PTE_V | PTE_W
    sw t1, 0xc(t0)                  ; VA 0x3000 -> 0x4000, not Global
    li t1, 0x6000 | PTE_V | PTE_W | PTE_G
    sw t1, 0x14(t0)                 ; VA 0x5000 -> 0x6000, Global
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li t0, 0x5000
    lw s0, 0(t0)                    ; 0x22222222
    li t0, 0x3000
    lw s1, 0(t0)                    ; 0x44444444
    li t0, STATUS_MODE
    mtcr status, t0                 ; paging off
    li t0, 0x5000
    lw s2, 0(t0)                    ; physical: 0x11111111
    li t0, 0x3000
    lw s3, 0(t0)                    ; physical: 0x33333333
    print_str global_msg
    li t0, 0x11111111
    beq s2, t0, 1f
    print_str translated_msg
    j 2f
1:  print_str physical_msg
2:  print_str local_msg
    li t0, 0x33333333
    beq s3, t0, 3f
    print_str translated_msg
    j 4f
3:  print_str physical_msg
4:  poweroff 0

global_msg:     .asciz "global: "
local_msg:      .asciz "local: "
physical_msg:   .asciz "physical\n"
translated_msg: .asciz "TRANSLATED\n"

    .org 0x3000
    .word 0x33333333
    .org 0x4000
    .word 0x44444444
    .org 0x5000
    .word 0x11111111
    .org 0x6000
    .word 0x22222222
