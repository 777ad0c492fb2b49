; snoop.s: the attacker of the isolation tests. A kernel (supervisor mode throughout) that looks
; for the secret word 0x5EC12E75 anywhere outside its own memory. Its trap handler counts the
; fault and skips the faulting instruction. Every probe clears its register, loads, and counts
; the load if it returned the secret.
;
;   self-test: the secret is written into the snooper's own page SELF; probing it, with paging
;              off and through a superpage, must find it twice (so the detector works).
;   (a) paging off: a word of every 4 KiB page from the end of its RAM to 16 MiB (and a store
;       to each, which would show in the holder's check), of every
;       64 KiB from there to the device region (byte loads too, every 1 MiB), and of every
;       64 KiB after the device region to the top of the address space;
;   (d) paging off: every word of the device region, and a byte load of every word;
;   (b) paging on: page tables whose entries name every guest-physical frame from the end of
;       its RAM to 9 MiB (loaded and stored through); superpages over its own RAM (read past the end), over every 4 MiB
;       region up to 256 MiB, over the device region (word and byte loads) and past it, and
;       at the top of the address space;
;   (c) paging on: its own directory and a page table mapped writable at VA 0x00080000 and
;       0x00081000; it rewrites entries through them to name frames past its RAM (page-table
;       entries and superpage directory entries, with and without flushing first) and reads
;       through each.
; Then paging off, prints "self-test N found N faults N" and powers off with the number found.
;
; Registers: s0 = the end of RAM (the reset sp), s1 = found, s2 = SECRET, s3 = faults,
; a0 = probe address, a1 = limit, a2 = step, a3 = round counter.

    .include "console.inc"

    .equ SECRET, 0x5EC12E75
    .equ PD, 0x10000
    .equ PT_LOW, 0x11000
    .equ PT_PROBE1, 0x12000
    .equ PT_PROBE2, 0x13000
    .equ PT_SCRIBBLE, 0x14000
    .equ SELF, 0x30000
    .equ PD_ALIAS, 0x00080000
    .equ PT_SCRIBBLE_ALIAS, 0x00081000
    .equ VA_PROBE, 0x00400000       ; directory entries 1, 2: PT_PROBE1, PT_PROBE2
    .equ VA_SUPER_RAM, 0x00C00000   ; directory entry 3: superpage over guest-physical 0
    .equ VA_SUPERS, 0x01000000      ; directory entries 4..63: superpages over 4 MiB .. 240 MiB
    .equ VA_SCRIBBLE, 0x10000000    ; directory entry 64: PT_SCRIBBLE
    .equ VA_SCRIBBLE_SUPER, 0x10400000  ; directory entry 65: rewritten as superpages

; probe LOAD: clear t1, LOAD t1 from 0(a0), count a secret
.macro probe load
    li t1, 0
    \load t1, 0(a0)
    bne t1, s2, probe_miss\@
    addi s1, s1, 1
probe_miss\@:
.endm

.macro probe_loop load, from, to, step
    li a0, \from
    li a1, \to
    li a2, \step
probe_next\@:
    probe \load
    add a0, a0, a2
    bltu a0, a1, probe_next\@
.endm

    .global _start
_start:
    la t0, handler
    mtcr evec, t0
    mv s0, sp
    li s1, 0
    li s2, SECRET
    li s3, 0

    ; ---- self-test, paging off
    li a0, SELF
    sw s2, 0(a0)
    probe lw
    la t0, self_found
    sw s1, 0(t0)
    li s1, 0

    ; ---- (a) paging off: past the end of RAM (and a store to each page up to 16 MiB)
    mv a0, s0
    li a1, 0x01000000
    li a2, 0x1000
1:  probe lw
    sw s3, 8(a0)
    add a0, a0, a2
    bltu a0, a1, 1b
    probe_loop lw, 0x01000000, 0xF0000000, 0x10000
    probe_loop lb, 0x01000000, 0xF0000000, 0x100000
    probe_loop lw, 0xF0010000, 0xFFFF0000, 0x10000
    li a0, 0xFFFFFFFC
    probe lw

    ; ---- (d) paging off: the device region, words and bytes
    probe_loop lw, 0xF0000000, 0xF0010000, 4
    probe_loop lb, 0xF0000001, 0xF0010000, 4

    ; ---- (b) paging on
    call build_tables
    li t0, PD | 5
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    ; self-test through the superpage over RAM (counted apart from s1)
    mv a3, s1
    li s1, 0
    li a0, VA_SUPER_RAM + SELF
    probe lw
    la t0, self_found
    lw t1, 0(t0)
    add t1, t1, s1
    sw t1, 0(t0)
    mv s1, a3
    li a0, VA_PROBE                 ; a load and a store through every PT_PROBE entry
    li a1, VA_SUPER_RAM
    li a2, 0x1000
1:  probe lw
    sw s3, 8(a0)
    add a0, a0, a2
    bltu a0, a1, 1b
    ; the superpage over RAM, from the end of RAM to its 4 MiB
    li a1, VA_SUPER_RAM + 0x400000
    li a2, 0x10000
    li a0, VA_SUPER_RAM
    add a0, a0, s0
1:  probe lw
    add a0, a0, a2
    bltu a0, a1, 1b
    probe_loop lw, VA_SUPERS, VA_SCRIBBLE, 0x10000
    probe_loop lw, 0xF0000000, 0xF0010000, 16
    probe_loop lb, 0xF0000000, 0xF0010000, 64
    probe_loop lw, 0xF0400000, 0xF0800000, 0x10000
    probe_loop lw, 0xFFC00000, 0xFFFF0000, 0x10000

    ; ---- (c) scribble on its own tables through their aliases
    li a3, 0
1:  ; PT_SCRIBBLE[a3 % 1024] := end of RAM + a3 * 4 KiB (up to 9 MiB), then read through it,
    ; before and after flushing
    li t0, 1023
    and t0, a3, t0
    slli t0, t0, 2
    li t1, PT_SCRIBBLE_ALIAS
    add t0, t0, t1
    slli t1, a3, 12
    add t1, t1, s0
    ori t1, t1, PTE_V | PTE_W
    sw t1, 0(t0)
    li t0, 1023
    and t0, a3, t0
    slli t0, t0, 12
    li a0, VA_SCRIBBLE
    add a0, a0, t0
    probe lw
    tlbflush
    probe lw
    ; a junk entry: any frame, valid
    li t0, 0x9E3779B1
    mul t1, a3, t0
    ori t1, t1, PTE_V | PTE_W
    li t0, PT_SCRIBBLE_ALIAS + 4 * 1023
    sw t1, 0(t0)
    li a0, VA_SCRIBBLE + 0x3FF000
    probe lw
    invlpg a0
    probe lw
    addi a3, a3, 1
    li t0, 2048
    bltu a3, t0, 1b
    ; directory entry 65 := superpage over 4 MiB * k, for k = 1 .. 63, read before and after invlpg
    li a3, 1
2:  slli t1, a3, 22
    ori t1, t1, PTE_V | PTE_W | PTE_L
    li t0, PD_ALIAS + 65 * 4
    sw t1, 0(t0)
    li a0, VA_SCRIBBLE_SUPER + 0x12340
    probe lw
    invlpg a0
    probe lw
    li a0, VA_SCRIBBLE_SUPER + 0x3FFFFC
    probe lw
    addi a3, a3, 1
    li t0, 64
    bltu a3, t0, 2b
    ; directory entry 65 := a table past the end of RAM; entry 66 := a table in the device region
    slli t1, s0, 0
    ori t1, t1, PTE_V
    li t0, PD_ALIAS + 65 * 4
    sw t1, 0(t0)
    li t1, 0xF0000000 | PTE_V
    sw t1, 4(t0)
    tlbflush
    li a0, VA_SCRIBBLE_SUPER
    probe lw
    li a0, VA_SCRIBBLE_SUPER + 0x400000
    probe lw

    ; ---- report, with paging off
    li t0, STATUS_MODE
    mtcr status, t0
    print_str self_msg
    la t0, self_found
    lw a0, 0(t0)
    call putdec
    print_str found_msg
    mv a0, s1
    call putdec
    print_str faults_msg
    mv a0, s3
    call putdec
    print_char '\n'
    li t0, POWER_OFF
    sw s1, 0(t0)
1:  j 1b

; build_tables: the directory and tables described in the header (tables are zero at boot).
build_tables:
    ; PT_LOW: identity map of the first 256 KiB (code, tables, SELF), supervisor, and the aliases
    li t0, PT_LOW
    li t1, 0
    li t2, 0x40000
1:  ori t3, t1, PTE_V | PTE_W | PTE_X
    sw t3, 0(t0)
    addi t0, t0, 4
    li t3, 0x1000
    add t1, t1, t3
    bltu t1, t2, 1b
    li t0, PT_LOW + (PD_ALIAS >> 12) * 4
    li t1, PD | PTE_V | PTE_W
    sw t1, 0(t0)
    li t1, PT_SCRIBBLE | PTE_V | PTE_W
    sw t1, 4(t0)
    ; the stack page below the reset sp (putdec uses it), identity
    li t1, 0x1000
    sub t1, s0, t1
    srli t0, t1, 12
    slli t0, t0, 2
    li t2, PT_LOW
    add t0, t0, t2
    ori t1, t1, PTE_V | PTE_W
    sw t1, 0(t0)
    ; PT_PROBE1, PT_PROBE2: entry i names the frame at end of RAM + i * 4 KiB
    li t0, PT_PROBE1
    mv t1, s0
    li t2, 2048
1:  ori t3, t1, PTE_V | PTE_W
    sw t3, 0(t0)
    addi t0, t0, 4
    li t3, 0x1000
    add t1, t1, t3
    addi t2, t2, -1
    bnez t2, 1b
    ; the directory
    li t0, PD
    li t1, PT_LOW | PTE_V
    sw t1, 0(t0)
    li t1, PT_PROBE1 | PTE_V
    sw t1, 4(t0)
    li t1, PT_PROBE2 | PTE_V
    sw t1, 8(t0)
    li t1, 0x00000000 | PTE_V | PTE_W | PTE_L
    sw t1, 12(t0)
    ; entries 4..63: superpages over 4 MiB * (entry - 3)
    li t2, 4
    li t1, 0x00400000 | PTE_V | PTE_W | PTE_L
1:  slli t3, t2, 2
    add t3, t3, t0
    sw t1, 0(t3)
    li t3, 0x00400000
    add t1, t1, t3
    addi t2, t2, 1
    li t3, 64
    bltu t2, t3, 1b
    li t1, PT_SCRIBBLE | PTE_V
    sw t1, 256(t0)                  ; entry 64
    li t1, 0xF0000000 | PTE_V | PTE_W | PTE_L
    li t3, PD + 0x3c0 * 4
    sw t1, 0(t3)
    li t1, 0xF0400000 | PTE_V | PTE_W | PTE_L
    sw t1, 4(t3)
    li t1, 0xFFC00000 | PTE_V | PTE_W | PTE_L
    li t3, PD + 0x3ff * 4
    sw t1, 0(t3)
    ret

handler:
    mtcr scratch, t0
    mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    mfcr t0, scratch
    addi s3, s3, 1
    eret

self_msg:   .asciz "self-test "
found_msg:  .asciz " found "
faults_msg: .asciz " faults "
    .align 4
self_found: .word 0
