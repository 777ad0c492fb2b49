; paging-kernel.s: a small paging kernel for the native / shadow / EPT equivalence tests.
;
; Two user processes, each with its own page directory and ASID, share a Global kernel page
; table and map the devices with a 4 MiB superpage each. (Not Global: a device access always
; walks under a VMM, which never caches device translations, so with one Global entry the other
; directory's A/D bits would differ from a native run in which the TLB kept that entry, a
; difference the architecture allows, since TLB replacement is not architectural.) They are preempted by the timer (so PTBR is written
; on every switch, with KEEP after a process's first run), demand-page their data and stack, take a copy-on-write fault on a shared
; page, and make system calls whose strings the kernel reads through the user mapping. Process 2
; ends by loading from kernel memory and is killed (exit 128 + cause).
; Then the kernel prints the user PTEs (with their A and D bits), remaps, unmaps and
; write-protects pages (with invlpg), maps a 4 MiB superpage over guest RAM and reads past the
; end of RAM through it, and powers off with the sum of the exit codes (0 + 140).
;
; Guest-physical map (2 MiB of RAM):
;   0x00001000  kernel text and data          0x00020000  copy-on-write source frame
;   0x00007000  kernel stack (top 0x8000)     0x00030000  user text (VA = PA, U = 1)
;   0x00010000  PD of process 1 (ASID 1)      0x00040000  frame pool, to 0x80000
;   0x00011000  PD of process 2 (ASID 2)
;   0x00012000  kernel page table (identity, Global, U = 0 except user text)
;   0x00013000  data page table of process 1  0x00014000  data page table of process 2
; User virtual map: 0x00800000 data (demand paged), 0x00BF0000 copy-on-write page, stack below
; 0x00C00000 (demand paged), 0xF0000000 devices (supervisor only).
;
; The kernel executes tlbflush right after turning paging on. Natively that is unnecessary (with
; paging off nothing is cached); it is there so that this guest does not also trip over the EPT
; bug that pg-off-to-on.s isolates, and can find others.

    .include "console.inc"

    .equ KSTACK_TOP, 0x8000
    .equ PD_1, 0x10000
    .equ PD_2, 0x11000
    .equ PT_K, 0x12000
    .equ PT_U1, 0x13000
    .equ PT_U2, 0x14000
    .equ COW_SRC, 0x20000
    .equ UCODE, 0x30000
    .equ POOL, 0x40000
    .equ POOL_END, 0x80000
    .equ UDATA, 0x00800000
    .equ USTACK_TOP, 0x00C00000
    .equ COW_VA, 0x00BF0000
    .equ PTE_COW, 0x100
    .equ TIMER_INTERVAL, 1000
    .equ NPAGES, 12
    .equ NPROC, 2
    ; struct proc
    .equ P_EPC, 64
    .equ P_PTBR, 68
    .equ P_STATE, 72
    .equ P_EXIT, 76
    .equ P_ID, 80
    .equ P_KEEP, 84                 ; 0, then PTBR_KEEP once the process has run
    .equ P_SIZE, 128

    .global _start
_start:
    li sp, KSTACK_TOP
    la t0, trap_entry
    mtcr evec, t0
    ; Kernel page table: identity map of pages 1..511, Global, supervisor only, except user text.
    li t0, PT_K + 4
    li t1, 0x1000
    li t2, 0x200000
1:  ori t3, t1, PTE_V | PTE_W | PTE_X | PTE_G
    li t4, UCODE
    bltu t1, t4, 2f
    li t4, UCODE + 0x2000
    bgeu t1, t4, 2f
    ori t3, t1, PTE_V | PTE_X | PTE_U | PTE_G
2:  sw t3, 0(t0)
    addi t0, t0, 4
    li t4, 0x1000
    add t1, t1, t4
    bltu t1, t2, 1b

    li a0, PD_1
    li a1, PT_U1
    call setup_pd
    li a0, PD_2
    li a1, PT_U2
    call setup_pd
    la a0, procs
    li a1, 1
    li a2, PD_1 | 1
    call init_proc
    la a0, procs + P_SIZE
    li a1, 2
    li a2, PD_2 | 2
    call init_proc

    li t0, PD_1 | 1
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    tlbflush                    ; see the header
    print_str boot_msg
    li t0, TIMER_INTERVAL
    mtcr timer, t0
    la a0, procs
    j resume

; setup_pd(a0 = directory, a1 = user data page table): kernel table, data table, devices, COW page.
setup_pd:
    li t0, PT_K | PTE_V
    sw t0, 0(a0)
    ori t0, a1, PTE_V
    sw t0, 8(a0)                ; directory index 2: 0x00800000..0x00BFFFFF
    li t0, 0xF0000000 | PTE_V | PTE_W | PTE_L   ; not Global: see the header
    li t1, 0x3C0 * 4
    add t1, a0, t1
    sw t0, 0(t1)
    li t0, COW_SRC | PTE_V | PTE_U | PTE_COW
    li t1, 1008 * 4
    add t1, a1, t1
    sw t0, 0(t1)
    ret

; init_proc(a0 = proc, a1 = id, a2 = PTBR value)
init_proc:
    sw a1, 12(a0)               ; user a0 = id
    li t0, USTACK_TOP
    sw t0, 8(a0)                ; user sp
    la t0, user_main
    sw t0, P_EPC(a0)
    sw a2, P_PTBR(a0)
    li t0, 1
    sw t0, P_STATE(a0)
    sw a1, P_ID(a0)
    ret

; resume(a0 = proc): load its address space and registers, return to user mode.
resume:
    la t0, cur_proc
    sw a0, 0(t0)
    lw t1, P_PTBR(a0)
    lw t2, P_KEEP(a0)
    or t1, t1, t2
    mtcr ptbr, t1               ; KEEP after the first time: the ASID's entries are still good
    li t2, 0x100
    sw t2, P_KEEP(a0)
    lw t1, P_EPC(a0)
    mtcr epc, t1
    li t1, STATUS_MODE | STATUS_PG | STATUS_PIE
    mtcr status, t1
    li t1, KSTACK_TOP
    mtcr scratch, t1
    lw r1, 4(a0)
    lw r2, 8(a0)
    lw r4, 16(a0)
    lw r5, 20(a0)
    lw r6, 24(a0)
    lw r7, 28(a0)
    lw r8, 32(a0)
    lw r9, 36(a0)
    lw r10, 40(a0)
    lw r11, 44(a0)
    lw r12, 48(a0)
    lw r13, 52(a0)
    lw r14, 56(a0)
    lw r15, 60(a0)
    lw r3, 12(a0)
    eret

; SCRATCH holds the kernel stack top while user code runs and 0 while the kernel runs.
trap_entry:
    mxcr sp, scratch, sp
    bnez sp, from_user
    mfcr sp, scratch
    ; A fault in the kernel (expected in the final phase): record it and skip the instruction.
    addi sp, sp, -8
    sw t0, 0(sp)
    sw t1, 4(sp)
    la t0, kfault
    mfcr t1, cause
    sw t1, 0(t0)
    mfcr t1, badva
    sw t1, 4(t0)
    lw t1, 8(t0)
    addi t1, t1, 1
    sw t1, 8(t0)
    mfcr t1, epc
    addi t1, t1, 4
    mtcr epc, t1
    mtcr scratch, zero
    lw t0, 0(sp)
    lw t1, 4(sp)
    addi sp, sp, 8
    eret

from_user:
    addi sp, sp, -4
    sw t0, 0(sp)
    la t0, cur_proc
    lw t0, 0(t0)
    sw r1, 4(t0)
    sw r3, 12(t0)
    sw r4, 16(t0)
    sw r5, 20(t0)
    sw r6, 24(t0)
    sw r8, 32(t0)
    sw r9, 36(t0)
    sw r10, 40(t0)
    sw r11, 44(t0)
    sw r12, 48(t0)
    sw r13, 52(t0)
    sw r14, 56(t0)
    sw r15, 60(t0)
    lw r8, 0(sp)
    sw r8, 28(t0)
    mfcr r8, scratch
    sw r8, 8(t0)
    mfcr r8, epc
    sw r8, P_EPC(t0)
    addi sp, sp, 4
    mtcr scratch, zero
    mv s0, t0                   ; s0 = the current process
    mfcr s1, cause
    li t1, CAUSE_SYSCALL
    beq s1, t1, do_syscall
    li t1, CAUSE_TIMER_INTERRUPT
    beq s1, t1, do_timer
    li t1, CAUSE_LOAD_PAGE_FAULT
    beq s1, t1, do_pagefault
    li t1, CAUSE_STORE_PAGE_FAULT
    beq s1, t1, do_pagefault
    li t1, CAUSE_STORE_PROTECTION_FAULT
    beq s1, t1, do_cow
kill:
    addi a1, s1, 0x80
    j proc_exit

do_syscall:
    lw t0, P_EPC(s0)
    addi t0, t0, 4
    sw t0, P_EPC(s0)
    lw a1, 16(s0)
    lw t0, 12(s0)
    li t1, 1
    beq t0, t1, sys_putc
    li t1, 2
    beq t0, t1, proc_exit
    li t1, 3
    beq t0, t1, sys_puts
    li t0, -1
    sw t0, 12(s0)
    j back_to_user
sys_putc:
    mv a0, a1
    call putc
    sw zero, 12(s0)
    j back_to_user
sys_puts:
    mv a0, a1                   ; a user virtual address: read through the user's mapping
    call puts
    sw zero, 12(s0)
back_to_user:
    mv a0, s0
    j resume

do_timer:
    la t0, nswitch
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    mv a0, s0
    call pick_next
    j resume

; pick_next(a0 = current): the next runnable process after it (round robin, itself last); 0 if none.
pick_next:
    la t0, procs
    li t2, P_SIZE
    add t1, a0, t2
    li t3, NPROC * P_SIZE
    add t3, t0, t3
    li t4, NPROC
1:  bltu t1, t3, 2f
    mv t1, t0
2:  lw t2, P_STATE(t1)
    bnez t2, 3f
    li t2, P_SIZE
    add t1, t1, t2
    addi t4, t4, -1
    bnez t4, 1b
    li a0, 0
    ret
3:  mv a0, t1
    ret

; proc_exit(s0 = proc, a1 = exit code)
proc_exit:
    sw a1, P_EXIT(s0)
    sw zero, P_STATE(s0)
    mv s1, a1
    print_char 'P'
    lw a0, P_ID(s0)
    call putdec
    print_str exit_msg
    print_dec s1
    print_char '\n'
    mv a0, s0
    call pick_next
    bnez a0, resume
    j final_phase

; user_pte(a0 = user va in the data region) -> a0 = address of its PTE (current process's tables)
user_pte:
    lw t0, P_PTBR(s0)
    srli t0, t0, 12
    slli t0, t0, 12
    lw t0, 8(t0)
    srli t0, t0, 12
    slli t0, t0, 12
    srli t1, a0, 12
    andi t1, t1, 1023
    slli t1, t1, 2
    add a0, t0, t1
    ret

do_pagefault:
    mfcr s2, badva
    li t0, UDATA
    bltu s2, t0, kill
    li t0, USTACK_TOP
    bgeu s2, t0, kill
    call alloc_frame
    beqz a0, kill
    mv s3, a0
    mv a0, s2
    call user_pte
    ori t1, s3, PTE_V | PTE_W | PTE_U
    sw t1, 0(a0)
    la t0, ndemand
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    j back_to_user

do_cow:
    mfcr s2, badva
    li t0, UDATA
    bltu s2, t0, kill
    li t0, USTACK_TOP
    bgeu s2, t0, kill
    mv a0, s2
    call user_pte
    mv s3, a0                   ; s3 = PTE address
    lw t1, 0(s3)
    andi t2, t1, PTE_COW
    beqz t2, kill
    call alloc_frame
    beqz a0, kill
    lw t1, 0(s3)
    srli t1, t1, 12
    slli t1, t1, 12
    mv t0, a0
    li t2, 1024
1:  lw t3, 0(t1)
    sw t3, 0(t0)
    addi t1, t1, 4
    addi t0, t0, 4
    addi t2, t2, -1
    bnez t2, 1b
    ori t1, a0, PTE_V | PTE_W | PTE_U
    sw t1, 0(s3)
    invlpg s2                   ; the read-only translation may be cached
    j back_to_user

; alloc_frame() -> a0 = a zeroed frame from the pool, or 0
alloc_frame:
    la t0, pool_next
    lw a0, 0(t0)
    li t1, POOL_END
    bgeu a0, t1, 9f
    li t1, 0x1000
    add t1, a0, t1
    sw t1, 0(t0)
    mv t0, a0
    li t1, 1024
1:  sw zero, 0(t0)
    addi t0, t0, 4
    addi t1, t1, -1
    bnez t1, 1b
    ret
9:  li a0, 0
    ret

; print_kfault: "fault <cause> <badva>\n", then clear the record
print_kfault:
    push ra
    print_str fault_msg
    la t0, kfault
    lw a0, 0(t0)
    call putdec
    print_char ' '
    la t0, kfault
    lw a0, 4(t0)
    call puthex
    print_char '\n'
    la t0, kfault
    sw zero, 0(t0)
    sw zero, 4(t0)
    pop ra
    ret

final_phase:
    li t0, PD_1 | 1
    mtcr ptbr, t0
    la s0, procs
    print_str final_msg
    ; the data PTEs of process 1, A and D included, then its COW and stack PTEs
    li s1, 0
1:  li t0, PT_U1
    slli t1, s1, 2
    add t0, t0, t1
    lw a0, 0(t0)
    call puthex
    print_char ' '
    addi s1, s1, 1
    li t0, NPAGES
    blt s1, t0, 1b
    li t0, PT_U1 + 1008 * 4
    lw a0, 0(t0)
    call puthex
    print_char ' '
    li t0, PT_U1 + 1023 * 4
    lw a0, 0(t0)
    call puthex
    print_char '\n'

    ; remap process 1's first data page to process 2's, then read it
    li t0, PT_U2
    lw t1, 0(t0)
    li t0, PT_U1
    sw t1, 0(t0)
    li s1, UDATA
    invlpg s1
    lw a0, 0(s1)
    call puthex
    print_char '\n'

    ; unmap its second page: the load faults
    li t0, PT_U1 + 4
    sw zero, 0(t0)
    li s1, UDATA + 0x1000
    invlpg s1
    lw a0, 8(s1)
    call print_kfault

    ; write-protect its third page: the store faults, the load does not
    li t0, PT_U1 + 8
    lw t1, 0(t0)
    andi t1, t1, ~PTE_W
    sw t1, 0(t0)
    li s1, UDATA + 0x2000
    invlpg s1
    li t1, 0x5a5a
    sw t1, 16(s1)
    call print_kfault
    lw a0, 16(s1)
    call puthex
    print_char '\n'

    ; a 4 MiB superpage over RAM at 0x01000000: read and write the kernel through it
    li t0, PD_1 + 4 * 4
    li t1, 0x00000000 | PTE_V | PTE_W | PTE_L
    sw t1, 0(t0)
    li s1, 0x01000000
    invlpg s1
    la t0, magic
    add t0, t0, s1
    lw a0, 0(t0)
    call puthex
    print_char '\n'
    la t0, via_super
    add t0, t0, s1
    li t1, 0x600df00d
    sw t1, 0(t0)
    la t0, via_super
    lw a0, 0(t0)
    call puthex
    print_char '\n'
    ; past the end of RAM through the superpage: a bus error
    li t0, 0x300000
    add t0, t0, s1
    lw a0, 0(t0)
    call print_kfault
    ; an address no directory entry maps
    li t0, 0x00C00000
    lw a0, 0(t0)
    call print_kfault

    ; process 2's address space (ASID 2): its first data word
    li t0, PD_2 | 2
    mtcr ptbr, t0
    li t0, UDATA
    lw a0, 0(t0)
    call puthex
    print_char '\n'

    print_str stats_msg
    la t0, ndemand
    lw a0, 0(t0)
    call putdec
    print_char ' '
    la t0, kfault
    lw a0, 8(t0)
    call putdec
    print_char '\n'
    print_str done_msg
    la t0, procs
    lw t1, P_EXIT(t0)
    lw t2, P_EXIT + P_SIZE(t0)
    add t1, t1, t2
    li t0, POWER_OFF
    sw t1, 0(t0)
1:  j 1b

boot_msg:   .asciz "kernel: paging on\n"
exit_msg:   .asciz " exit "
final_msg:  .asciz "kernel: all processes exited\nptes: "
fault_msg:  .asciz "fault "
stats_msg:  .asciz "demand faults, kernel faults: "
done_msg:   .asciz "kernel done\n"
    .align 4
magic:      .word 0x3a61c5e7
via_super:  .word 0
cur_proc:   .word 0
pool_next:  .word POOL
ndemand:    .word 0
nswitch:    .word 0
kfault:     .word 0, 0, 0           ; cause, badva, count
procs:      .space NPROC * P_SIZE

    .org COW_SRC
    .word 0xc0c0a000, 0xc0c0a001, 0xc0c0a002, 0xc0c0a003

; ---------------------------------------------------------------- user text (VA = PA, U = 1)
    .org UCODE
user_main:
    mv s0, a0                   ; s0 = process id
    li s1, UDATA
    li s2, 0
1:  mul t0, s2, s2              ; data[i * 4096 + i * 8] = i * i + id
    add t0, t0, s0
    slli t1, s2, 12
    slli t2, s2, 3
    add t1, t1, t2
    add t1, t1, s1
    sw t0, 0(t1)
    addi s2, s2, 1
    li t3, NPAGES
    blt s2, t3, 1b
    li s2, 0
    li s3, 0
2:  slli t1, s2, 12
    slli t2, s2, 3
    add t1, t1, t2
    add t1, t1, s1
    lw t0, 0(t1)
    add s3, s3, t0
    addi s2, s2, 1
    li t3, NPAGES
    blt s2, t3, 2b
    li a0, 700                  ; recursion: the stack grows over two pages
    call urec
    add s3, s3, a0
    la a1, u_p
    li a0, 3
    syscall
    addi a1, s0, '0'
    li a0, 1
    syscall
    la a1, u_sum
    li a0, 3
    syscall
    mv a0, s3
    call uputhex
    ; copy-on-write: read the shared page, write it (private copy), read both words back
    li s1, COW_VA
    lw a0, 0(s1)
    call uputhex
    sw s0, 4(s1)
    lw a0, 4(s1)
    call uputhex
    lw a0, 8(s1)
    call uputhex
    ; a page never written reads as zero (demand-zero on a load)
    li t0, UDATA + 0x20000
    lw a0, 12(t0)
    call uputhex
    ; spin so that the timer interleaves the two processes
    li t0, 3000
3:  addi t0, t0, -1
    bnez t0, 3b
    li t0, 2
    bne s0, t0, 4f
    li t0, 0x1000
    lw t0, 0(t0)                ; process 2: a load from kernel memory, killed
4:  li a0, 2
    li a1, 0
    syscall

; urec(a0 = n) -> n + (n - 1) + ... + 1
urec:
    beqz a0, 1f
    push ra
    push a0
    addi a0, a0, -1
    call urec
    pop t0
    pop ra
    add a0, a0, t0
1:  ret

; uputhex(a0): eight hex digits and a newline, by putc system calls
uputhex:
    mv t0, a0
    li t1, 28
1:  srl t2, t0, t1
    andi t2, t2, 15
    li t3, 10
    blt t2, t3, 2f
    addi t2, t2, 'a' - 10 - '0'
2:  addi a1, t2, '0'
    li a0, 1
    syscall
    addi t1, t1, -4
    bge t1, zero, 1b
    li a1, '\n'
    li a0, 1
    syscall
    ret

u_p:    .asciz "P"
u_sum:  .asciz " sum="
