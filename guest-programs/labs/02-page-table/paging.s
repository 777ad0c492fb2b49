; paging.s: lab 2's program, bare metal (docs/labs/02-page-table.md). It builds the page tables
; with your routines (vm.s: walk, map, unmap, lookup), turns paging on, and then, one step at a
; time: maps a page, maps a second address to the same frame (an alias), reads the accessed and
; dirty bits the hardware sets, unmaps the first address and takes the page fault, and finally
; turns paging off to look at the frame. Run it: vmmlab run paging.s (add --mode shadow or
; --mode ept: the output is the same).

    .include "console.inc"          ; print_str, print_hex, poweroff…; arch.inc's PTE_*, STATUS_*
    .include "lab2.inc"             ; the layout, alloc_page

    .equ DATA_VA,   0x00400000      ; step 1: mapped to FRAME_A
    .equ ALIAS_VA,  0x00801000      ; step 2: mapped to FRAME_A as well (another 4 MiB region)
    .equ AD_VA,     0x00c00000      ; step 3: mapped to FRAME_B
    .equ FRAME_A,   0x00080000
    .equ FRAME_B,   0x00081000
    .equ PDE_MMIO,  (MMIO_BASE >>> SUPERPAGE_SHIFT) * 4

    .global _start
_start:
    li sp, STACK_TOP
    la t0, trap_handler
    mtcr evec, t0
    ; The identity map of [0x1000, IDENTITY_END): code, stack, directory and tables, read,
    ; write and execute. Page 0 stays unmapped, so that a null pointer faults.
    li s0, PAGE_SIZE
1:  mv a0, s0
    mv a1, s0
    li a2, PTE_W | PTE_X
    call map
    bnez a0, map_failed
    li t0, PAGE_SIZE
    add s0, s0, t0
    li t0, IDENTITY_END
    bltu s0, t0, 1b
    li a0, _start                   ; turning paging on over a missing map would fault for ever
    call lookup
    beqz a0, not_mapped
    ; The devices (console, power-off): one 4 MiB superpage, written straight into the directory.
    li t0, PD
    li t1, MMIO_BASE | PTE_L | PTE_W | PTE_V
    sw t1, PDE_MMIO(t0)
    ; Paging on: the root in PTBR (ASID 0), then PG in STATUS (isa/README.md 4.3, 4.4).
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
paging_on:
    print_str msg_on

step1:                              ; map a page, store and load through it
    li a0, DATA_VA
    li a1, FRAME_A
    li a2, PTE_W
    call map
    bnez a0, map_failed
    li t0, DATA_VA
    li t1, 0x1234abcd
    sw t1, 0(t0)
    lw s0, 0(t0)
    print_str msg_1
    print_hex s0
    print_char '\n'

step2:                              ; an alias: a second virtual page, the same frame
    li a0, ALIAS_VA
    li a1, FRAME_A
    li a2, PTE_W
    call map
    bnez a0, map_failed
    li t0, ALIAS_VA
    lw s0, 0(t0)
    li t1, 0x5678
    sw t1, 0(t0)
    li t0, DATA_VA
    lw s1, 0(t0)
    print_str msg_2a
    print_hex s0
    print_str msg_2b
    print_hex s1
    print_char '\n'

step3:                              ; the accessed and dirty bits (isa/README.md 6.2, step 7)
    li a0, AD_VA
    li a1, FRAME_B
    li a2, PTE_W
    call map
    bnez a0, map_failed
    li a0, AD_VA
    call lookup
    andi s0, a0, 0xfff              ; the flag bits
    li t0, AD_VA
    lw t1, 0(t0)
    li a0, AD_VA
    call lookup
    andi s1, a0, 0xfff
    li t0, AD_VA
    sw t1, 0(t0)
    li a0, AD_VA
    call lookup
    andi s2, a0, 0xfff
    print_str msg_3a
    print_hex s0
    print_str msg_3b
    print_hex s1
    print_str msg_3c
    print_hex s2
    print_char '\n'

step4:                              ; unmap, then load: a page fault (if the TLB forgot it too)
    li a0, DATA_VA
    call unmap
    la t0, fault_cause
    li t1, -1
    sw t1, 0(t0)                    ; -1: no fault yet
    li t0, 1
    la t1, expect_fault
    sw t0, 0(t1)
    li t0, DATA_VA
    li s0, 0
fault_here:
    lw s0, 0(t0)                    ; the handler skips it if it faults
    la t1, expect_fault
    sw zero, 0(t1)
    la t0, fault_cause
    lw s1, 0(t0)
    li t0, -1
    beq s1, t0, 1f
    print_str msg_4a
    print_dec s1
    print_str msg_4b
    la t0, fault_badva
    lw s1, 0(t0)
    print_hex s1
    j 2f
1:  print_str msg_4none
    print_hex s0
    print_char ')'
2:  li t0, ALIAS_VA
    lw s2, 0(t0)
    print_str msg_4c
    print_hex s2
    print_char '\n'

step5:                              ; paging off: addresses are physical again
    li t0, STATUS_MODE
    mtcr status, t0
    li t0, FRAME_A
    lw s0, 0(t0)
    print_str msg_5
    print_hex s0
    print_char '\n'
    poweroff 0

map_failed:
    print_str msg_map_failed
    poweroff 1

not_mapped:
    print_str msg_not_mapped
    poweroff 1

; The trap handler. In step 4 it notes the fault's cause and address and resumes after the
; faulting load; any other trap is a mistake: it says which, and powers off with 1. It runs
; with paging on, so it must be mapped (the identity map covers it).
    .align 4
trap_handler:
    la t0, expect_fault
    lw t1, 0(t0)
    beqz t1, 1f
    sw zero, 0(t0)
    mfcr t1, cause
    la t0, fault_cause
    sw t1, 0(t0)
    mfcr t1, badva
    la t0, fault_badva
    sw t1, 0(t0)
    mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    eret
1:  mfcr s0, cause
    mfcr s1, epc
    mfcr s2, badva
    print_str msg_trap
    print_dec s0
    print_str msg_trap_epc
    print_hex s1
    print_str msg_trap_badva
    print_hex s2
    print_char '\n'
    poweroff 1

    .include "vm.s"

msg_on:         .asciz "paging is on\n"
msg_1:          .asciz "1 map: 0x00400000 -> frame 0x00080000; stored 0x1234abcd, loaded "
msg_2a:         .asciz "2 alias: 0x00801000 -> the same frame; it loads "
msg_2b:         .asciz "; stored 0x00005678 through it, 0x00400000 loads "
msg_3a:         .asciz "3 A/D bits of 0x00c00000: mapped "
msg_3b:         .asciz ", after a load "
msg_3c:         .asciz ", after a store "
msg_4a:         .asciz "4 unmap 0x00400000: the load faulted: cause "
msg_4b:         .asciz ", badva "
msg_4none:      .asciz "4 unmap 0x00400000: the load did not fault (it loaded "
msg_4c:         .asciz "; 0x00801000 still loads "
msg_5:          .asciz "5 paging off: frame 0x00080000 holds "
msg_map_failed: .asciz "map failed (returned non-zero)\n"
msg_not_mapped: .asciz "after the identity map, lookup(_start) is 0: map or lookup does not work yet, so paging stays off\n"
msg_trap:       .asciz "unexpected trap: cause "
msg_trap_epc:   .asciz ", epc "
msg_trap_badva: .asciz ", badva "
    .align 4
expect_fault:   .word 0
fault_cause:    .word 0
fault_badva:    .word 0
