; echo.s[:N]: read N lines from the console (default 1) and answer each with
;     you said: <the line>
; A line longer than LINE_MAX bytes is answered in pieces, each counted as a line. At the end of input (a ^D, which
; `vmmlab run` sends after piped input) before N lines, a partial line is answered too, then
;     echo: end of input
; and the program exits with 0; a failed read exits with 1.

.include "ulib.inc"
    USE_READ

.equ LINE_MAX, 120

main:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a2, 0
    li a3, 1
    call arg
    mv s0, a0                       ; s0 = lines left
1:  beqz s0, 6f
    li s1, 0                        ; bytes of this line so far
2:  la a0, line
    add a0, a0, s1
    li a1, LINE_MAX
    sub a1, a1, s1
    beqz a1, 3f                     ; full: answer this piece
    call read
    blt a0, zero, 8f
    beqz a0, 5f                     ; end of input
    add s1, s1, a0
    la t0, line - 1
    add t0, t0, s1
    lbu t0, 0(t0)                   ; the last byte read
    li t1, '\n'
    bne t0, t1, 2b                  ; read returns at most a line: go on until its newline
    addi s1, s1, -1                 ; answer without it (answer adds one)
3:  mv a0, s1
    call answer
    addi s0, s0, -1
    j 1b
5:  beqz s1, 4f                     ; a partial line before the end
    mv a0, s1
    call answer
4:  la a0, msg_end
    call print
6:  li a0, 0
    j 9f
8:  li a0, 1
9:  lw ra, 0(sp)
    addi sp, sp, 4
    ret

; answer(a0 = bytes in line): write "you said: ", the line and a newline with one write, so that
; the answer stays in one piece when other processes write too.
answer:
    addi sp, sp, -4
    sw ra, 0(sp)
    la t0, line
    add t0, t0, a0
    li t1, '\n'
    sb t1, 0(t0)
    addi a1, a0, line - said + 1
    la a0, said
    call write
    lw ra, 0(sp)
    addi sp, sp, 4
    ret

msg_end:    .asciz "echo: end of input\n"
said:       .ascii "you said: "
line:       .space LINE_MAX + 1
    .align 4
