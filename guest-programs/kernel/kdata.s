; kdata.s: every writable kernel variable, grouped by the subsystem that owns it, then the
; kernel stack, the static kernel page tables, the process table and the console input ring.
; Included after etext, so it is mapped read/write and not executable. Data only: no code.

; ---- boot (kernel.s): copied from the boot-information block
    .global phystop, freestart
phystop:        .word 0                     ; end of usable RAM
freestart:      .word 0                     ; first frame the allocator owns
nmodules:       .word 0
modtable:       .word 0                     ; physical address of the module table
timer_slice:    .word TIMER_SLICE           ; the TIMER interval (boot info word 6 overrides)

; ---- kalloc.s
    .global kmem_nfree
kmem_freelist:  .word 0                     ; physical address of the first freed frame
kmem_next:      .word 0                     ; frames from here to phystop were never handed out
kmem_nfree:     .word 0                     ; free frames: on the list and above kmem_next

; ---- vm.s
    .global demand_pages, loaded_ptbr
demand_pages:   .word 0                     ; frames mapped by demand paging (heap and stack)
loaded_ptbr:    .word 0                     ; the value last written to PTBR

; ---- proc.s
    .global curproc, nextpid, any_failed, shutdown_report
curproc:        .word 0                     ; the process whose trap is being handled, or 0
nextpid:        .word 1
sched_last:     .word NPROC - 1             ; slot chosen last (the search starts after it)
any_failed:     .word 0                     ; power off with 1
shutdown_report: .word SHUTDOWN_REPORT      ; 1: a statistics line at power-off

; ---- sysproc.s
write_buf:      .space WRITE_CHUNK
spawn_name:     .space MAXNAME
spawn_args:     .space MAXARG * 4

; ---- the kernel stack (one: the kernel never blocks inside a trap)
    .align 16
kstack:         .space KSTACK_SIZE
kstack_top:

; ---- static kernel page tables (vm.s kvminit), shared by every address space
    .align PGSIZE
    .global kpgdir
kpgdir:         .space PGSIZE               ; level 1
kpt_low:        .space PGSIZE               ; VA [0, 4 MiB): the kernel image, identity
kpt_dev:        .space PGSIZE               ; VA [0xF0000000, +4 MiB): the device page

; ---- the process table
    .global proc
proc:           .space NPROC * P_SIZE

; ---- consolein.s: the input ring, last so that its size moves none of the tables above
    .global cons_r, cons_w, cons_dropped
cons_r:         .word 0                     ; bytes read() has taken (free-running)
cons_w:         .word 0                     ; bytes the interrupt has put in (free-running)
cons_dropped:   .word 0                     ; bytes dropped because the ring was full
cons_buf:       .space INPUT_BUF

.ifdef PV
; ---- pv.s: the queue of page-table updates and invlpgs, and the multicall built from it
    .align 4
pv_nupdates:    .word 0
pv_ninvlpg:     .word 0
pv_depth:       .word 0                     ; open batches (pv_batch_begin)
pv_updates:     .space PV_QUEUE * 8         ; (entry pa, value) pairs
pv_invlpgs:     .space PV_INVLPG_QUEUE * 4
pv_multicall:   .space (PV_INVLPG_QUEUE + 1) * 16
.endif
