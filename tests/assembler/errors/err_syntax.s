; lexical and syntax mistakes, and directives
    .ascii "abc                  ; error: unterminated string
    .byte 'a                     ; error: unterminated character literal
    .byte 'ab'                   ; error: exactly one character
    .ascii "\q"                  ; error: unknown escape sequence '\q'
    .word 12ab                   ; error: invalid number '12ab'
    .word 0x1_0000_0000          ; error: does not fit in 32 bits
    .word (1 + 2                 ; error: missing ')'
    .word 1 +                    ; error: expected an expression
    .word 1 2                    ; error: unexpected '2' after expression
    addi a0, a0, @               ; error: unexpected character '@'
    .wrod 5                      ; error: unknown directive '.wrod'; did you mean '.word'?
    .bogus                       ; error: unknown directive '.bogus'
    .ascii 5                     ; error: .ascii expects a quoted string
    .equ 5, 5                    ; error: .equ expects a name and a value
    .org                         ; error: .org expects one operand, got 0
    .word %mid(4)                ; error: expected %hi(...) or %lo(...)
    .endm                        ; error: .endm without .macro
    .include nofile              ; error: .include expects one quoted path
    .global a,,b                 ; error: .global expects symbol names
    .word 0x_                    ; error: invalid number '0x_'
    5: nop
    "str"                        ; error: expected an instruction or directive
    .word 1                      # a comment with # is fine
