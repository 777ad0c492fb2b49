; console.s: kernel output (xv6's console.c and printf.c, reduced): characters, strings, hex and
; decimal numbers on the console device, panic and power-off. Nothing here reads user memory.
; Every routine may run with paging off (at boot) or on: the device page is mapped at its
; physical address.

; kputc(a0 = byte): send one byte to the console. Leaf; clobbers t0.
kputc:
    li t0, CONSOLE_TX
    sw a0, 0(t0)
    ret

; kputs(a0 = NUL-terminated string): print it. Leaf; clobbers a0, t0, t1.
kputs:
    li t0, CONSOLE_TX
1:  lbu t1, 0(a0)
    beqz t1, 2f
    sw t1, 0(t0)
    addi a0, a0, 1
    j 1b
2:  ret

; kputn(a0 = buffer, a1 = byte count): print exactly that many bytes. Leaf; clobbers a0, a1, t0, t1.
kputn:
    li t0, CONSOLE_TX
    beqz a1, 2f
1:  lbu t1, 0(a0)
    sw t1, 0(t0)
    addi a0, a0, 1
    addi a1, a1, -1
    bnez a1, 1b
2:  ret

; kputhex(a0 = value): print "0x" and 8 lowercase hex digits. Leaf; clobbers a0, t0-t3.
kputhex:
    li t0, CONSOLE_TX
    li t1, '0'
    sw t1, 0(t0)
    li t1, 'x'
    sw t1, 0(t0)
    li t2, 28                       ; shift of the next digit
1:  srl t1, a0, t2
    andi t1, t1, 15
    slti t3, t1, 10
    bnez t3, 2f
    addi t1, t1, 'a' - '0' - 10
2:  addi t1, t1, '0'
    sw t1, 0(t0)
    addi t2, t2, -4
    bge t2, zero, 1b
    ret

; kputdec(a0 = value): print it as an unsigned decimal number. Clobbers a0, a1, t0-t2.
kputdec:
    addi sp, sp, -12                ; digits, written backwards from sp+12
    addi t0, sp, 12
    li t2, 10
1:  remu t1, a0, t2
    divu a0, a0, t2
    addi t1, t1, '0'
    addi t0, t0, -1
    sb t1, 0(t0)
    bnez a0, 1b
    li a0, CONSOLE_TX
2:  lbu t1, 0(t0)
    sw t1, 0(a0)
    addi t0, t0, 1
    addi t2, sp, 12
    bltu t0, t2, 2b
    addi sp, sp, 12
    ret

; poweroff(a0 = exit code): halt the machine. Never returns.
poweroff:
    li t0, POWER_OFF
    sw a0, 0(t0)
1:  j 1b

; panic(a0 = message): print "[kernel] panic: <message>" and power off with code 255.
; Never returns. For a kernel that can no longer trust its own state: paging goes off first
; (the kernel image and the devices sit at their physical addresses), so a broken mapping
; cannot fault the panic itself.
panic:
    li t0, STATUS_MODE
    mtcr status, t0
    mv s0, a0
    la a0, msg_panic
    call kputs
    mv a0, s0
    call kputs
    li a0, '\n'
    call kputc
    li a0, 255
    j poweroff

; kerneltrap_panic(a0 = cause, a1 = epc, a2 = badva): a trap taken in supervisor mode is a kernel
; bug: print "[kernel] panic: <cause-name> at pc 0x... badva 0x..." and power off with 255.
; Paging goes off first, as in panic.
kerneltrap_panic:
    li t0, STATUS_MODE
    mtcr status, t0
    mv s0, a0
    mv s1, a1
    mv s2, a2
    la a0, msg_panic
    call kputs
    mv a0, s0
    call causename
    call kputs
    la a0, msg_at_pc
    call kputs
    mv a0, s1
    call kputhex
    la a0, msg_badva
    call kputs
    mv a0, s2
    call kputhex
    li a0, '\n'
    call kputc
    li a0, 255
    j poweroff

; causename(a0 = cause) -> a0 = its name as isa/arch.ts spells it ("load-page-fault"). Leaf.
causename:
    sltiu t0, a0, NCAUSE_NAMES
    bnez t0, 1f
    la a0, cause_unknown
    ret
1:  slli a0, a0, 2
    la t0, cause_names
    add t0, t0, a0
    lw a0, 0(t0)
    ret

msg_panic:      .asciz "[kernel] panic: "
msg_at_pc:      .asciz " at pc "
msg_badva:      .asciz " badva "
cause_unknown:  .asciz "unknown-cause"
; Cause names, as isa/arch.ts's CAUSE_NAMES spells them (causes 14 and 15 are never produced).
c_illegal:      .asciz "illegal-instruction"
c_privileged:   .asciz "privileged-instruction"
c_syscall:      .asciz "syscall"
c_breakpoint:   .asciz "breakpoint"
c_mis_fetch:    .asciz "misaligned-fetch"
c_mis_load:     .asciz "misaligned-load"
c_mis_store:    .asciz "misaligned-store"
c_bus_error:    .asciz "bus-error"
c_fetch_pf:     .asciz "fetch-page-fault"
c_load_pf:      .asciz "load-page-fault"
c_store_pf:     .asciz "store-page-fault"
c_fetch_prot:   .asciz "fetch-protection-fault"
c_load_prot:    .asciz "load-protection-fault"
c_store_prot:   .asciz "store-protection-fault"
c_timer:        .asciz "timer-interrupt"
c_device:       .asciz "device-interrupt"
c_oom:          .asciz "out-of-memory"
    .align 4
cause_names:
    .word c_illegal, c_privileged, c_syscall, c_breakpoint, c_mis_fetch, c_mis_load, c_mis_store
    .word c_bus_error, c_fetch_pf, c_load_pf, c_store_pf, c_fetch_prot, c_load_prot, c_store_prot
    .word cause_unknown, cause_unknown, c_timer, c_device, c_oom
    .align 4
