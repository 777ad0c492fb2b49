; mistakes in instructions: each marked line must fail, in one run, and no other line
start:
    ad a0, a0, a1                ; error: unknown instruction 'ad'; did you mean 'add'?
    addi a0, a0, 1               // fine
    lwz a0, 0(sp)                ; error: did you mean 'lw'?
    frobnicate a0                ; error: unknown instruction 'frobnicate'
    add a0, a0, r16              ; error: unknown register 'r16'
    add a0, 5, a1                ; error: expected a register, got '5'
    add a0, a0                   ; error: 'add' expects 3 operands (rd, rs1, rs2), got 2
    add a0, a0, a1, a2           ; error: got 4
    syscall a0                   ; error: 'syscall' expects no operands, got 1
    li a0                        ; error: 'li' expects 2 operands (rd, value), got 1
    mv a0, 5                     ; error: expected a register, got '5'
    lw a0, sym                   ; error: expected offset(register)
    lw a0, 4(x)                  ; error: expected offset(register)
    mfcr a0, bogus               ; error: unknown control register 'bogus'
    mtcr cr32, a0                ; error: unknown control register 'cr32'
    nop
