; labels: several on one line or alone, forward references, local numeric labels
first: second:
    nop                              ; = 0x48000000
third: nop                           ; = 0x48000000
1:  beq a0, a1, 1f                   ; = 0xa0d00002
    bne a0, a1, 1b                   ; = 0xa4d3ffff
1:  j 1b                             ; = 0xc0000000
2:  j 1f                             ; = 0xc0000003
    j 2b                             ; = 0xc03fffff
    j 2f                             ; = 0xc0000001
1:
2:  .word 1b, 2b, first, second, third, _L.x$  ; = 0x00001020 0x00001020 0x00001000 0x00001000 0x00001004 0x00001040
    .word after                      ; = 0x00001040
    .align 16
_L.x$:
after:
1:  auipc t0, %hi(after - 1b)        ; = 0x71c00000
    addi t0, t0, %lo(after - 1b)     ; = 0x49dc0000
