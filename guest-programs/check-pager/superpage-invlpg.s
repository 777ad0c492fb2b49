; superpage-invlpg.s: invlpg drops every piece of a superpage (isa/README.md 6.4).
;
; VA 0x00800000 is a 4 MiB superpage over physical 0, so VA 0x810000 and 0x811000 reach the
; frames A1 (0x10000) and A2 (0x11000). The guest reads both (the TLB may now hold the superpage
; as one entry, or, under EPT with 4 KiB EPT pages, as two 4 KiB pieces), then rewrites the
; directory entry to a page table that maps the same two VAs to B1 and B2 and runs `invlpg` on the
; superpage's base: both reads must now see B1 and B2. Then it puts the superpage back and runs
; `invlpg` on an address in its middle (not on either piece): both reads see A1 and A2 again.
; Last, a 4 KiB page remapped from A1 to B1 (under EPT large pages, a small guest page over a
; large EPT page). Prints the ten values read, two a line, and powers off with 0.

    .include "console.inc"

    .equ PD,  0x7000
    .equ PT0, 0x8000                ; identity map of the first 64 KiB... and VA 0x30000
    .equ PT1, 0x9000                ; the page table that replaces the superpage
    .equ FRAME_A1,  0x10000
    .equ FRAME_A2,  0x11000
    .equ FRAME_B1,  0x12000
    .equ FRAME_B2,  0x13000
    .equ RESULTS, 0x6000            ; ten words, identity-mapped
    .equ SUPER_VA, 0x00800000
    .equ SUPER_PDE, PD + (SUPER_VA >> 22) * 4

    .global _start
_start:
    ; Markers in the four data frames (paging is still off).
    li t0, FRAME_A1
    li t1, 0xa1a1a1a1
    sw t1, 0(t0)
    li t0, FRAME_A2
    li t1, 0xa2a2a2a2
    sw t1, 0(t0)
    li t0, FRAME_B1
    li t1, 0xb1b1b1b1
    sw t1, 0(t0)
    li t0, FRAME_B2
    li t1, 0xb2b2b2b2
    sw t1, 0(t0)

    ; PT0: identity map of pages 0..15 (code, data, the tables), executable; VA 0x30000 -> FRAME_A1.
    li t0, PT0
    li t1, PTE_V | PTE_W | PTE_X
    li t2, 16
1:  sw t1, 0(t0)
    addi t0, t0, 4
    li t3, 0x1000
    add t1, t1, t3
    addi t2, t2, -1
    bnez t2, 1b
    li t0, PT0 + 0x30 * 4
    li t1, FRAME_A1 | PTE_V | PTE_W
    sw t1, 0(t0)
    li t0, PD
    li t1, PT0 | PTE_V
    sw t1, 0(t0)
    ; The superpage: VA 0x00800000 -> physical 0.
    li t0, SUPER_PDE
    li t1, 0 | PTE_V | PTE_W | PTE_L
    sw t1, 0(t0)
    ; PT1 (not yet in use): the superpage's pieces 0x10 and 0x11 -> FRAME_B1, FRAME_B2.
    li t0, PT1 + 0x10 * 4
    li t1, FRAME_B1 | PTE_V | PTE_W
    sw t1, 0(t0)
    li t1, FRAME_B2 | PTE_V | PTE_W
    sw t1, 4(t0)

    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0

    ; Two pieces of the superpage.
    li s0, RESULTS
    li t0, SUPER_VA + 0x10000
    lw t1, 0(t0)                    ; FRAME_A1
    sw t1, 0(s0)
    lw t1, 0x1000(t0)               ; FRAME_A2
    sw t1, 4(s0)
    ; The superpage becomes a page table; invalidate by the superpage's base.
    li t0, SUPER_PDE
    li t1, PT1 | PTE_V
    sw t1, 0(t0)
    li t0, SUPER_VA
    invlpg t0
    li t0, SUPER_VA + 0x10000
    lw t1, 0(t0)                    ; FRAME_B1
    sw t1, 8(s0)
    lw t1, 0x1000(t0)               ; FRAME_B2
    sw t1, 12(s0)
    ; The page table becomes the superpage again; invalidate both pieces one at a time (they are
    ; 4 KiB pages now), then read, then invalidate the superpage by an address in its middle.
    li t0, SUPER_PDE
    li t1, 0 | PTE_V | PTE_W | PTE_L
    sw t1, 0(t0)
    li t0, SUPER_VA + 0x10000
    invlpg t0
    li t0, SUPER_VA + 0x11000
    invlpg t0
    li t0, SUPER_VA + 0x10000
    lw t1, 0(t0)                    ; FRAME_A1
    sw t1, 16(s0)
    lw t1, 0x1000(t0)               ; FRAME_A2
    sw t1, 20(s0)
    li t0, SUPER_PDE
    li t1, PT1 | PTE_V
    sw t1, 0(t0)
    li t0, SUPER_VA + 0x234560
    invlpg t0
    li t0, SUPER_VA + 0x10000
    lw t1, 0(t0)                    ; FRAME_B1
    sw t1, 24(s0)
    lw t1, 0x1000(t0)               ; FRAME_B2
    sw t1, 28(s0)
    ; A small page remapped from FRAME_A1 to FRAME_B1.
    li t0, 0x30000
    lw t1, 0(t0)                    ; FRAME_A1
    sw t1, 32(s0)
    li t0, PT0 + 0x30 * 4
    li t1, FRAME_B1 | PTE_V | PTE_W
    sw t1, 0(t0)
    li t0, 0x30000
    invlpg t0
    lw t1, 0(t0)                    ; FRAME_B1
    sw t1, 36(s0)

    li t0, STATUS_MODE
    mtcr status, t0                 ; paging off, to print
    ; Two values a line.
    li s1, 0
2:  slli t0, s1, 2
    add t0, t0, s0
    lw s2, 0(t0)
    print_hex s2
    andi t0, s1, 1
    bnez t0, 3f
    print_char ' '
    j 4f
3:  print_char '\n'
4:  addi s1, s1, 1
    li t0, 10
    blt s1, t0, 2b
    poweroff 0
