; loads and stores: offset(base), (base), expressions as offsets
.equ OFF, 5
    lb a0, 8(sp)                    ; = 0x80c80008
    lh a0, 8(sp)                    ; = 0x84c80008
    lw a0, 8(sp)                    ; = 0x88c80008
    lbu a0, 8(sp)                   ; = 0x8cc80008
    lhu a0, 8(sp)                   ; = 0x90c80008
    sb a1, -4(s0)                   ; = 0x9533fffc
    sh a1, -4(s0)                   ; = 0x9933fffc
    sw a1, -4(s0)                   ; = 0x9d33fffc
    lw t0, (a0)                     ; = 0x89cc0000
    sw t0, (a0)                     ; = 0x9dcc0000
    lw t0, 131071(a0)               ; = 0x89cdffff
    lw t0, -131072(a0)              ; = 0x89ce0000
    sw ra, 4 * 3 (sp)               ; = 0x9c48000c
    lw a0, (OFF + 2) * 4(fp)        ; = 0x88f0001c
    lw a0, %lo(0x12345678)(a1)      ; = 0x88d3fe78
    LW A0, 0(SP)                    ; = 0x88c80000
