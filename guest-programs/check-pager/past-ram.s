; past-ram.s: guest-physical addresses past the end of RAM are bus errors (isa/README.md 7).
;
; With paging off, load and store one word every 64 KiB from the end of RAM (the reset sp) up to
; 0x00800000, counting the bus errors; the handler skips the faulting instruction. Then prints
; the number of probes, of bus errors and of loads that returned something other than the
; poison value the handler leaves in s1, and powers off with 0.

    .include "console.inc"

    .global _start
_start:
    la t0, handler
    mtcr evec, t0
    mv s0, sp                       ; the end of RAM
    li s2, 0                        ; probes
    li s3, 0                        ; bus errors
    li a3, 0                        ; loads that returned data
1:  li s1, 0x0bad0bad
    lw s1, 0(s0)
    li t0, 0x0bad0bad
    beq s1, t0, 2f
    addi a3, a3, 1
2:  sw s0, 4(s0)
    addi s2, s2, 1
    li t0, 0x10000
    add s0, s0, t0
    li t0, 0x00800000
    bltu s0, t0, 1b
    mv a0, s2
    call putdec
    print_char ' '
    mv a0, s3
    call putdec
    print_char ' '
    mv a0, a3
    call putdec
    print_char '\n'
    poweroff 0

handler:
    mfcr t0, cause
    li t1, CAUSE_BUS_ERROR
    bne t0, t1, 1f
    addi s3, s3, 1
1:  mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    eret
