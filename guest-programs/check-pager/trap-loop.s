; trap-loop.s: a guest whose trap handler can never run. EVEC and the jump target are past the
; end of RAM, so every fetch is a bus error and nothing ever retires again. Natively the machine
; stops with 'trap-loop' (emulator/cpu.ts, TRAP_LOOP_LIMIT); a VMM must stop it too, not spin.
    .global _start
_start:
    li t0, 0x00300000
    mtcr evec, t0
    jr t0
