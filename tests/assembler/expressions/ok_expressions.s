; expression evaluation: C precedence, 32-bit wrapping, character literals, %hi/%lo
.equ K, 42
.equ ADDR, 0x4000
    .word 1 + 2 * 3                         ; = 0x00000007
    .word (1 + 2) * 3                       ; = 0x00000009
    .word 10 - 4 - 3                        ; = 0x00000003
    .word 100 / 7                           ; = 0x0000000e
    .word -7 / 2                            ; = 0xfffffffd
    .word -7 % 3                            ; = 0xffffffff
    .word 1 << 4 + 1                        ; = 0x00000020
    .word 0xff & 0x0f | 0x30                ; = 0x0000003f
    .word 6 ^ 3                             ; = 0x00000005
    .word ~0                                ; = 0xffffffff
    .word -(-5)                             ; = 0x00000005
    .word - 1                               ; = 0xffffffff
    .word 0b1010                            ; = 0x0000000a
    .word 0o17                              ; = 0x0000000f
    .word 0x7fffffff + 1                    ; = 0x80000000
    .word 0xffffffff * 0xffffffff           ; = 0x00000001
    .word -8 >> 1                           ; = 0xfffffffc
    .word -8 >>> 1                          ; = 0x7ffffffc
    .word 0xF0000000 >>> 22                 ; = 0x000003c0
    .word 1 << 4 >>> 2                      ; = 0x00000004
    .word 1 << 31                           ; = 0x80000000
    .word 'a'                               ; = 0x00000061
    .word '\n'                              ; = 0x0000000a
    .word '\0'                              ; = 0x00000000
    .word '\\'                              ; = 0x0000005c
    .word '\''                              ; = 0x00000027
    .word '"'                               ; = 0x00000022
    .word %hi(0x12345678)                   ; = 0x00048d16
    .word %lo(0x12345678)                   ; = 0xfffffe78
    .word %hi(0xffffffff)                   ; = 0x00000000
    .word %lo(0xffffffff)                   ; = 0xffffffff
    .word (%HI(0x200) << 10) + %lo(0x200)   ; = 0x00000200
    .word %hi(0x200) << 10 + 1              ; = 0x00000800
    .word 3 < 4                             ; = 0x00000001
    .word 3 >= 4                            ; = 0x00000000
    .word 2 == 2 && 3 != 3                  ; = 0x00000000
    .word 0 || 5                            ; = 0x00000001
    .word !0 + !7                           ; = 0x00000001
    .word -1 < 0                            ; = 0x00000001
    .word 1 + 2 == 3                        ; = 0x00000001
    .word 4 & 6 == 6                        ; = 0x00000000
    .word K * 2                             ; = 0x00000054
    .word ADDR + 4                          ; = 0x00004004
    .word 1 || 1 / 0                        ; = 0x00000001
    .word 0 && 1 / 0                        ; = 0x00000000
here:
    .word . - here + 4                    ; = 0x00000004
    .word end - here                      ; = 0x0000000c
    .word -here                           ; = 0xffffef4c
end:
