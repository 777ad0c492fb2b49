; consolein.s: console input (xv6's consoleintr and consoleread): the device interrupt moves
; waiting bytes into the input buffer, read() takes them out, a line at a time, and a ^D in the
; input is its end, as a terminal's line discipline has it.
;
; The buffer is a ring of INPUT_BUF bytes indexed by two free-running counters: cons_r (bytes
; taken by read) and cons_w (bytes put in by the interrupt). The device's interrupt is pending
; for as long as a byte waits in it (isa/README.md section 7), so consoleintr must always empty
; the device: what does not fit is dropped and counted in cons_dropped.
;
; A process that reads with nothing buffered sleeps in state READING (the kernel never blocks
; inside a trap, see proc.s): the input that arrives later completes its read on its behalf
; (consolewake), as a child's exit completes a parent's wait.

; consoleintr(): the console has input waiting (the device interrupt, or kidle after its wfi):
; move every waiting byte into the buffer, which clears the interrupt, then hand what there is
; to the READING processes.
consoleintr:
    ENTER
    li s0, CONSOLE_RX
    la s1, cons_buf
1:  lw t0, 0(s0)
    blt t0, zero, 3f                        ; -1: the device is empty
    LOAD t1, cons_w
    LOAD t2, cons_r
    sub t2, t1, t2
    sltiu t2, t2, INPUT_BUF
    beqz t2, 2f                             ; full
    andi t2, t1, INPUT_BUF-1
    add t2, s1, t2
    sb t0, 0(t2)
    addi t1, t1, 1
    STORE t1, cons_w, t2
    j 1b
2:  LOAD t1, cons_dropped
    addi t1, t1, 1
    STORE t1, cons_dropped, t2
    j 1b
3:  call consolewake
    LEAVE

; consolewake(): complete the read of each READING process, in slot order, while input is
; buffered: each takes what consoleread gives it, becomes RUNNABLE, and finds the result in a0.
consolewake:
    ENTER
    la s0, proc
    la s1, proc + NPROC * P_SIZE
1:  LOAD t0, cons_w
    LOAD t1, cons_r
    beq t0, t1, 3f                          ; nothing left to hand out
    lw t0, P_STATE(s0)
    li t1, READING
    bne t0, t1, 2f
    mv a0, s0
    lw a1, P_READBUF(s0)
    lw a2, P_READLEN(s0)
    call consoleread
    sw a0, P_TF+TF_A0(s0)
    li t0, RUNNABLE
    sw t0, P_STATE(s0)
2:  addi s0, s0, P_SIZE
    bltu s0, s1, 1b
3:  LEAVE

; consoleread(a0 = proc, a1 = user buffer, a2 = len > 0) -> a0 = bytes copied to the buffer
; (1..len), 0 at the end of input, or -1 if the buffer is not writable user memory of proc (the
; input then stays buffered). Takes buffered bytes up to len, or up to and including a newline,
; or up to a ^D: a ^D after some bytes is left for the next read, a ^D first is taken and ends
; this read with 0. At least one byte must be buffered. Works on any process, loaded or not
; (copyout).
consoleread:
    ENTER
    mv s0, a0
    mv s1, a1
    mv s2, a2
    LOAD t0, cons_r
    LOAD t1, cons_w
    la t2, cons_buf
    li s3, 0                                ; s3 = bytes to take
1:  beq t0, t1, 3f                          ; no more buffered
    beq s3, s2, 3f                          ; len reached
    andi t3, t0, INPUT_BUF-1
    add t3, t2, t3
    lbu t3, 0(t3)
    li t4, INPUT_EOF
    beq t3, t4, 2f
    addi s3, s3, 1
    addi t0, t0, 1
    li t4, '\n'
    bne t3, t4, 1b
    j 3f
2:  bnez s3, 3f                             ; the bytes before the ^D first
    addi t0, t0, 1
    STORE t0, cons_r, t1                    ; the ^D is taken: end of input
    li a0, 0
    LEAVE
3:  LOAD t0, cons_r                         ; copy s3 bytes, in two pieces if the ring wraps
    andi t1, t0, INPUT_BUF-1
    li s2, INPUT_BUF
    sub s2, s2, t1                          ; bytes before the end of the ring
    bleu s2, s3, 4f
    mv s2, s3                               ; s2 = the first piece
4:  mv a0, s0
    mv a1, s1
    la a2, cons_buf
    add a2, a2, t1
    mv a3, s2
    call copyout
    bnez a0, 9f
    mv a0, s0
    add a1, s1, s2
    la a2, cons_buf
    sub a3, s3, s2                          ; the rest, from the start of the ring (often none)
    call copyout
    bnez a0, 9f
    LOAD t0, cons_r
    add t0, t0, s3
    STORE t0, cons_r, t1
    mv a0, s3
    LEAVE
9:  li a0, -1
    LEAVE

; kidle(): the scheduler found nothing RUNNABLE while some process sleeps. Only console input
; can wake anyone then (a child that could end a wait would itself be RUNNABLE or READING), so
; the timer is disarmed and wfi waits for the device alone: no instructions run while the
; machine waits, and if no input can ever come vmmlab stops it and says so (wfi deadlock).
; Interrupts are off, so the device interrupt stays pending and is handled here; the timer is
; re-armed for whoever runs next.
kidle:
    ENTER
    mtcr timer, zero
    wfi
    call consoleintr
    LOAD t0, timer_slice
    mtcr timer, t0
    LEAVE

; The balloon build's driver (-D BALLOON=1: balloon.inc), here so that it moves no address above.
.ifdef BALLOON
.include "balloon.s"
.endif
