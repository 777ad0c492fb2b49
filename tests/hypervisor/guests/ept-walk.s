; ept-walk.s: TLB misses whose page-walk cost the test measures (ept-walk.test.ts steps the guest
; one instruction at a time and reads the walk counters around the instructions at the
; `measure_*` labels).
;
; The tables are in the image. VA 0x00400000 is a 4 KiB page (directory entry 1 -> PT, entry 0,
; A and D set), VA 0x00401000 maps the same frame with A clear, and VA 0x00800000 is inside a
; 4 MiB superpage over RAM (directory entry 2, A and D set); all three reach the frame DATA.
; Every page is touched once first, so that under EPT every guest-physical frame the measured
; walks touch (directory, table, data) is already mapped, then the TLB is flushed, and two nops
; bring the code page's translation back before each measured load.

    .include "../../../guest-programs/lib/arch.inc"

    .equ PD, 0x10000
    .equ PT, 0x11000
    .equ PT0, 0x12000
    .equ DATA, 0x20000
    .equ VA_4K, 0x00400000
    .equ VA_4K_NO_A, 0x00401000
    .equ VA_SUPER, 0x00800000 + DATA

    .org 0x1000
    .global _start
_start:
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    tlbflush                        ; nothing from paging-off time (see pg-off-to-on.s)
    li s0, VA_4K
    li s1, VA_SUPER
    li s2, VA_4K_NO_A
    lw t0, 0(s0)                    ; touch: the EPT now maps PD, PT, PT0 and DATA
    lw t0, 0(s1)
    tlbflush
    nop                             ; the fetch walks for the code page
    nop
measure_4k:
    lw t1, 0(s0)
    tlbflush
    nop
    nop
measure_super:
    lw t2, 0(s1)
    tlbflush
    nop
    nop
measure_4k_no_a:
    lw t3, 0(s2)
    li t0, POWER_OFF
    sw zero, 0(t0)
1:  j 1b

    .org PD
    .word PT0 | PTE_V
    .word PT | PTE_V
    .word 0x00000000 | PTE_V | PTE_W | PTE_L | PTE_A | PTE_D
    .org PD + 0x3c0 * 4
    .word 0xF0000000 | PTE_V | PTE_W | PTE_L | PTE_A | PTE_D
    .org PT
    .word DATA | PTE_V | PTE_W | PTE_A | PTE_D
    .word DATA | PTE_V | PTE_W
    .org PT0 + 4
    .word 0x1000 | PTE_V | PTE_X | PTE_A
    .org DATA
    .word 0xda7a
