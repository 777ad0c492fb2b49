; macros: \name arguments, \@ for labels unique to each expansion, nesting. Every word a macro
; emits is attributed to the invocation line (source map and listing).
.macro addthree rd, a, b, c
    add \rd, \a, \b
    add \rd, \rd, \c
.endm
.macro countdown reg
loop\@:
    addi \reg, \reg, -1
    bnez \reg, loop\@
.endm
.macro twice reg
    countdown \reg
    countdown \reg
.endm
.macro store_imm value, addr   // the address operand keeps its parentheses
    li t0, \value
    sw t0, \addr
.endm
.macro noargs
    nop
.endm
.macro message text
    .asciz "\text\n"
.endm
start:
    addthree a0, a1, a2, a3          ; = 0x04d14000 0x04cd8000
    countdown t1                     ; = 0x4a23ffff 0xa603ffff
    TWICE a0                         ; = 0x48cfffff 0xa4c3ffff 0x48cfffff 0xa4c3ffff
    store_imm 5, 8(sp)               ; = 0x49c00005 0x9dc80008
    store_imm 0x12345678, (a0)       ; = 0x6dc48d16 0x49dffe78 0x9dcc0000
top: noargs                          ; = 0x48000000
    .word loop1, loop3, loop4, top   ; = 0x00001008 0x00001010 0x00001018 0x00001034
    message ok                       ; = 0x6f 0x6b 0x0a 0x00
