; macro mistakes; errors inside an expansion are reported at the invocation line
.macro pair a, b
    add \a, \a, \b
.endm
.macro selfish x
    nop
    selfish \x
.endm
.macro ping
    pong
.endm
.macro pong
    ping
.endm
.macro pair x                    ; error: macro 'pair' is already defined
.endm
.macro add x                     ; error: would hide the instruction 'add'
.endm
.macro dup x, x                  ; error: bad macro parameter 'x'
.endm
    pair a0, a1
    pair a0                      ; error: macro 'pair' expects 2 arguments, got 1
    pair a0, 70                  ; error: expected a register, got '70' (in macro 'pair'
    selfish 1                    ; error: recursive macro 'selfish'
    ping                         ; error: recursive macro 'ping'
    nop
.macro unfinished                ; error: missing .endm for macro 'unfinished'
    nop
