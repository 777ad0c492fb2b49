; paging.s: a bare-metal TV32 program that builds a two-level page table, turns paging on, stores
; and loads through a mapping, then turns paging off again to show where the store landed.
; Run it: `vmmlab run paging.s` (add --mode shadow or --mode ept: the output is the same).
;
; The mappings (isa/README.md section 6: 4 KiB pages, a directory and page tables of 1024 entries):
;   VA 0x00001000 … 0x0001ffff   identity-mapped: the code, the tables and the stack stay where
;                                they are, as they must when PG is set (isa/README.md 4.3)
;   VA 0x00400000 (DATA_VA)      one page, mapped to the physical frame DATA_FRAME
;   VA 0xf0000000                the devices (console, power-off): one 4 MiB superpage
; Page 0 stays unmapped, so a null pointer faults.

    .include "console.inc"          ; print_str, print_hex, poweroff…; and arch.inc's PTE_*, STATUS_*

    .equ PD,            0x00010000  ; the page directory (level 1): PTBR points here
    .equ PT_LOW,        0x00011000  ; the page table of VAs 0x00000000-0x003fffff
    .equ PT_DATA,       0x00012000  ; the page table of VAs 0x00400000-0x007fffff
    .equ IDENTITY_END,  0x00020000  ; identity-map the pages below this
    .equ STACK_TOP,     IDENTITY_END
    .equ DATA_VA,       0x00400000
    .equ DATA_FRAME,    0x00080000
    .equ PDE_MMIO,      (MMIO_BASE >>> SUPERPAGE_SHIFT) * 4  ; where 0xf0000000's entry is in PD

    .global _start
_start:
    li sp, STACK_TOP
    ; 1. The directory (RAM starts zeroed: every other entry is invalid).
    li t0, PD
    li t1, PT_LOW | PTE_V           ; a directory entry: V and the table's frame
    sw t1, 0(t0)
    li t1, PT_DATA | PTE_V
    sw t1, 4(t0)
    li t1, MMIO_BASE | PTE_L | PTE_V | PTE_W    ; L: this entry is the leaf, a 4 MiB superpage
    sw t1, PDE_MMIO(t0)
    ; 2. Identity-map pages 1 … IDENTITY_END/4K - 1: entry i of PT_LOW maps frame i.
    li t0, PT_LOW + 4
    li t1, PAGE_SIZE | PTE_V | PTE_W | PTE_X
    li t2, IDENTITY_END
1:  sw t1, 0(t0)
    addi t0, t0, 4
    addi t1, t1, PAGE_SIZE
    bltu t1, t2, 1b
    ; 3. DATA_VA -> DATA_FRAME, readable and writable (no X: not code).
    li t0, PT_DATA
    li t1, DATA_FRAME | PTE_V | PTE_W
    sw t1, 0(t0)
    ; 4. Paging on: the root in PTBR (ASID 0), then PG in STATUS.
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
paging_on:                          ; from here on every address is translated
    print_str msg_on
    li t0, DATA_VA
    li t1, 0x1234abcd
    sw t1, 0(t0)                    ; a TLB miss, a walk, and the store goes to DATA_FRAME
    lw s0, 0(t0)
    print_str msg_va
    print_hex s0
    print_char '\n'
    ; 5. Paging off: addresses are physical again, and the word is at DATA_FRAME.
    li t0, STATUS_MODE
    mtcr status, t0
    li t0, DATA_FRAME
    lw s1, 0(t0)
    print_str msg_pa
    print_hex s1
    print_char '\n'
    poweroff 0

msg_on: .asciz "paging is on\n"
msg_va: .asciz "stored and loaded at virtual 0x00400000: "
msg_pa: .asciz "paging off, the word at physical 0x00080000: "
