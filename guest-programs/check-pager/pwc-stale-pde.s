; pwc-stale-pde.s (found by the campaign): the page-walk cache must not keep a directory entry
; that no translation came through.
;
; VA 0x01000000 (directory entry 4) first points at a page table whose entries are all invalid:
; a load there page-faults, and no translation is cached (isa/README.md 6.4 caches translations).
; The kernel then makes entry 4 a superpage over physical 0 and, since nothing was ever translated
; through the old entry, does not invlpg (--check-tlb-rules finds nothing to report). The next
; load at VA 0x01006000 must read physical 0x6000 (0x600d600d). With a page-walk cache, natively
; and under EPT, the walk used to take the cached old directory entry and fault again; the cache
; now keeps the directory entries of walks that end in a translation only (emulator/walker.ts).
; Prints the CAUSE of the first load (9 = load page fault), then "ok" when the second reads the
; superpage, and powers off with 0.

    .include "console.inc"

    .equ PD, 0x7000
    .equ PT0, 0x8000                ; identity map of 0..64 KiB
    .equ PT4, 0x9000                ; all entries invalid
    .equ VA4, 0x01000000

    .global _start
_start:
    la    t0, handler
    mtcr  evec, t0
    li    t0, PD
    li    t1, PT0 | PTE_V
    sw    t1, 0(t0)                 ; PD[0] -> PT0
    li    t1, PT4 | PTE_V
    sw    t1, 16(t0)                ; PD[4] -> PT4 (empty)
    li    t1, 0xF0000000 | PTE_V | PTE_W | PTE_L
    sw    t1, 0xF00(t0)             ; PD[0x3c0]: the devices
    li    t0, PT0
    li    t2, 0
    li    t3, 16
1:  slli  t1, t2, 12
    ori   t1, t1, PTE_V | PTE_W | PTE_X
    slli  t4, t2, 2
    add   t4, t4, t0
    sw    t1, 0(t4)                 ; identity pages 0..15
    addi  t2, t2, 1
    bne   t2, t3, 1b
    li    t0, 0x6000
    li    t1, 0x600d600d
    sw    t1, 0(t0)
    li    t0, PD
    mtcr  ptbr, t0
    li    t0, STATUS_MODE | STATUS_PG
    mtcr  status, t0

    la    s0, 2f
    li    s1, VA4 + 0x6000
    lw    a0, 0(s1)                 ; a page fault through the empty table
    li    a0, 0x6f6b                ; "ok" (not reached)
2:  call  report

    li    t0, PD
    li    t1, 0x00000000 | PTE_V | PTE_L | PTE_W | PTE_X
    sw    t1, 16(t0)                ; PD[4] -> superpage over 0; nothing to invlpg
    la    s0, 3f
    lw    a0, 0(s1)                 ; must read 0x600d600d
    li    t0, 0x600d600d
    bne   a0, t0, 3f
    li    a0, 0x6f6b
3:  call  report
    li    t0, POWER_OFF
    sw    zero, 0(t0)
4:  j     4b

; a0 = the CAUSE (or 0x6f6b, "ok"): print it and a newline
report:
    mv    s2, ra
    li    t0, 0x6f6b
    beq   a0, t0, 5f
    call  puthex
    j     6f
5:  li    a0, 'o'
    call  putc
    li    a0, 'k'
    call  putc
6:  li    a0, 10
    call  putc
    jr    s2

handler:
    mfcr  a0, cause
    mtcr  epc, s0
    eret
