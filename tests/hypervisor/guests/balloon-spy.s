; balloon-spy.s: the ballooning adversary of the isolation tests (hypervisor/balloon.ts). It fills
; 8 pages (0x40000..0x47fff) with the secret word 0x5EC12E75, gives them all to the VMM with the
; balloon_inflate hypercall (isa/README.md 3.8.2) while its own mapping of them may still be cached,
; then reads the first two back, as a hostile driver that keeps using what it gave away: every word
; must read 0 (the VMM backs a touched ballooned frame fresh and zeroed; the other six frames are
; left for another VM to be given). Prints "given pages zero" or
; "given pages LEAK", then powers off with 0. Without ballooning (hcall answers -1) it says so.

    .include "../../../guest-programs/lib/console.inc"

    .equ SECRET, 0x5EC12E75
    .equ FIRST, 0x40000
    .equ END, 0x48000
    .equ READ_END, 0x42000
    .equ HC_BALLOON_INFLATE, 17

    .global _start
_start:
    li s2, SECRET
    li t0, FIRST
    li t1, END
1:  sw s2, 0(t0)
    addi t0, t0, 4
    bltu t0, t1, 1b
    li s0, FIRST                    ; give each page away
    li s1, END
2:  mv a0, s0
    hcall HC_BALLOON_INFLATE
    bnez a0, 8f
    li t0, 4096
    add s0, s0, t0
    bltu s0, s1, 2b
    li t0, FIRST                    ; and read two of them back
    li t1, READ_END
    li s3, 0                        ; nonzero words found
3:  lw t2, 0(t0)
    beqz t2, 4f
    addi s3, s3, 1
4:  addi t0, t0, 4
    bltu t0, t1, 3b
    bnez s3, 5f
    print_str zero_msg
    poweroff 0
5:  print_str leak_msg
    poweroff 0
8:  print_str refused_msg
    poweroff 0

zero_msg:    .asciz "given pages zero\n"
leak_msg:    .asciz "given pages LEAK\n"
refused_msg: .asciz "inflate refused\n"
