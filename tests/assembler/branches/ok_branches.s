; branches and jumps: labels, absolute addresses and `.`; fields hold (target - pc) / 4
start:
    beq a0, a1, start               ; = 0xa0d00000
    bne a0, a1, start               ; = 0xa4d3ffff
    blt a0, a1, start               ; = 0xa8d3fffe
    bge a0, a1, start               ; = 0xacd3fffd
    bltu a0, a1, start              ; = 0xb0d3fffc
    bgeu a0, a1, start              ; = 0xb4d3fffb
    beq t0, t1, ahead               ; = 0xa1e00009
    jal ra, ahead                   ; = 0xc0400008
    jal zero, start                 ; = 0xc03ffff8
    jalr ra, 0(t0)                  ; = 0xc45c0000
    jalr zero, -8(ra)               ; = 0xc407fff8
    jalr ra, (a0)                   ; = 0xc44c0000
    beq zero, zero, .               ; = 0xa0000000
    bne a0, zero, . + 8             ; = 0xa4c00002
    beq a0, a1, 0x1000              ; = 0xa0d3fff2
ahead:
    jal ra, 0x1000 + 0x7fffc        ; = 0xc041fff0
    bge a2, a3, ahead + 4 * 131071  ; = 0xad59fffe
