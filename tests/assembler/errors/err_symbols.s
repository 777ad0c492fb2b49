; symbols: undefined, duplicate, redefined, badly named
    .global exported, missing    ; error: global symbol 'missing' is never defined
exported:
start:
    j nowhere                    ; error: undefined symbol 'nowhere'
    li a0, later_undefined + 1   ; error: undefined symbol 'later_undefined'
start:                           ; error: duplicate label 'start'
    .equ K, 1
    .equ K, 2                    ; error: symbol already defined: 'K'
    .set start, 3                ; error: symbol already defined: 'start'
    .set V, 1
    .set V, 2
sp: nop                          ; error: 'sp' is a register name
    .equ a0, 4                   ; error: 'a0' is a register name
    addi a0, a0, sp              ; error: expected a value, got register 'sp'
    beq a0, a1, 1b               ; error: undefined symbol '1b'
    beq a0, a1, 7f               ; error: undefined symbol '7f'
    .entry start
    .entry exported              ; error: .entry given more than once
