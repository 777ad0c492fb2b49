; pseudo-instructions expand by the table; li is one addi when its value is a constant that fits
; imm18, else lui+addi (always two words when it mentions a label or `.`); la is always two
.equ SMALL, 100
start:
    nop                             ; = 0x48000000
    li a0, 5                        ; = 0x48c00005
    li a0, -131072                  ; = 0x48c20000
    li a0, 131071                   ; = 0x48c1ffff
    li a0, 131072                   ; = 0x6cc00080 0x48cc0000
    li t0, 0x12345678               ; = 0x6dc48d16 0x49dffe78
    li t0, 0xfffffe00               ; = 0x49c3fe00
    li t1, 0x800003ff               ; = 0x6e200001 0x4a23ffff
    li a1, SMALL                    ; = 0x49000064
    li a1, LATER                    ; = 0x4903fffd
    li a2, start                    ; = 0x6d400004 0x49540000
    li a2, 8 + data - data          ; = 0x6d400000 0x49540008
    la a3, data                     ; = 0x6d800004 0x499800a8
    la a3, 0x40                     ; = 0x6d800000 0x49980040
    mv a0, a1                       ; = 0x48d00000
    not a0, a1                      ; = 0x54d3ffff
    neg a0, a1                      ; = 0x08c10000
    seqz a0, a1                     ; = 0x5cd00001
    snez a0, a1                     ; = 0x28c10000
    j start                         ; = 0xc03fffe6
    jr t0                           ; = 0xc41c0000
    call start                      ; = 0xc07fffe4
    ret                             ; = 0xc4040000
    beqz a0, start                  ; = 0xa0c3ffe2
    bnez a0, start                  ; = 0xa4c3ffe1
    bgt a0, a1, start               ; = 0xa90fffe0
    ble a0, a1, start               ; = 0xad0fffdf
    bgtu a0, a1, start              ; = 0xb10fffde
    bleu a0, a1, start              ; = 0xb50fffdd
    push ra                         ; = 0x488bfffc 0x9c480000
    pop ra                          ; = 0x88480000 0x48880004
    li a0, .                        ; = 0x6cc00004 0x48cc00a0
data:
    .word data                      ; = 0x000010a8
.equ LATER, -3
