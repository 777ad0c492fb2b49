; kernel.s: the vmmlab teaching kernel for TV32, in the shape of xv6. It boots with paging off,
; maps itself, starts one process per boot module and time-shares them until all have exited,
; then powers off with 0 (all well) or 1 (a process was killed or a top-level program failed).
;
;   memlayout.inc   the address map          tv32.inc     hardware bits and PTE macros
;   param.inc       limits and the time slice proc.inc    struct proc, trap frame
;   syscall.inc     system-call numbers      asm.inc      ENTER/LEAVE, LOAD/STORE
;   console.s       kernel output, panic     string.s     memcpy, pagecopy, strcmp
;   kalloc.s        frame allocator          vm.s         page tables, demand paging, copyin/out
;   proc.s          processes, scheduler     trap.s       trap entry and exit
;   syscall.s       dispatch                 sysproc.s    the system calls
;   consolein.s     console input, read()    kdata.s      the variables, stack and tables
;
; This file holds the boot sequence only; README.md documents the system calls and user programs.

.include "tv32.inc"
.include "memlayout.inc"
.include "param.inc"
.include "proc.inc"
.include "syscall.inc"
.include "asm.inc"

    .org KERNBASE
    .global _start
    .entry _start

; _start(a0 = boot-information block, physical): paging off, interrupts off, supervisor mode.
_start:
    la sp, kstack_top
    mv s0, a0
    lw t0, BI_MAGIC(s0)
    li t1, BOOT_MAGIC
    beq t0, t1, 1f
    la a0, msg_magic
    j panic
1:  lw t0, BI_MEMBYTES(s0)
    li t1, DIRECTMAP_MAX
    bleu t0, t1, 2f
    mv t0, t1                               ; RAM past the direct map goes unused
2:  PGROUNDDOWN t0, t0
    STORE t0, phystop, t1
    lw t0, BI_FREESTART(s0)
    STORE t0, freestart, t1
    lw t0, BI_NMODULES(s0)
    STORE t0, nmodules, t1
    lw t0, BI_MODTABLE(s0)
    STORE t0, modtable, t1
    lw t0, BI_TIMER(s0)                     ; the loader may choose the time slice
    beqz t0, 3f
    STORE t0, timer_slice, t1
3:
    la t0, trap_entry
    mtcr evec, t0
    mtcr scratch, zero                      ; "in the kernel" (trap.s)
    call kvminit
    call kvminithart                        ; paging on from here
    call kinit
    call userinit
    LOAD t0, timer_slice
    mtcr timer, t0
    call scheduler
    j userret

msg_magic: .asciz "bad boot-information magic (boot with --module)"
    .align 4

.include "console.s"
.include "string.s"
.include "kalloc.s"
.include "vm.s"
.include "proc.s"
.include "trap.s"
.include "syscall.s"
.include "sysproc.s"
.include "consolein.s"                      ; last: it moved no address above (docs quote some)
.ifdef PV
.include "pv.s"                             ; the PV build's hypercalls (pv.inc)
.endif

    .align PGSIZE
etext:                                      ; end of text: below is read/write, no execute
.include "kdata.s"
    .align PGSIZE
kernel_end:
