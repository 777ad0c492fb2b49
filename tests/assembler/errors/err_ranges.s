; values that do not fit their field or directive
start:
    addi a0, a0, 300000          ; error: immediate 300000 out of range -131072..131071
    addi a0, a0, -131073         ; error: immediate -131073 out of range -131072..131071
    addi a0, a0, 131071
    slli a0, a0, 32              ; error: immediate 32 out of range 0..31
    lui a0, 0x400000             ; error: immediate 4194304 out of range 0..4194303
    lui a0, -1                   ; error: out of range 0..4194303
    hcall 65536                  ; error: immediate 65536 out of range 0..65535
    lw a0, 131072(sp)            ; error: immediate 131072 out of range
    beq a0, a1, start + 2        ; error: branch target 0x1002 is misaligned
    beq a0, a1, . + 0x80000      ; error: out of range: offset 524288 bytes not in -524288..524284
    beq a0, a1, . + 0x7fffc
    beq a0, a1, . - 0x80000
    bne a0, a1, . - 0x80004      ; error: out of range: offset -524292 bytes not in -524288..524284
    jal ra, . + 0x800000         ; error: jump target 0x801034 out of range: offset 8388608 bytes not in -8388608..8388604
    jal ra, . - 0x800000
    .byte 300                    ; error: value 300 out of range -128..255 for .byte
    .byte 255, -128, -129        ; error: value -129 out of range -128..255 for .byte
    .half 1, 70000               ; error: value 70000 out of range -32768..65535 for .half
    .space 2, 256                ; error: value 256 out of range -128..255 for .byte
    add a0, a0, a0               ; error: is not 4-byte aligned
    .align 3                     ; error: .align needs a power of two
    .space -1                    ; error: .space size -1 out of range
    .word 1 / 0                  ; error: division by zero
    .word 5 % (2 - 2)            ; error: division by zero
