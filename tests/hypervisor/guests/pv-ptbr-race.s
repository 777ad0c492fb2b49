; pv-ptbr-race.s: a PV guest races set_ptbr against page-table updates (isa/README.md 3.8.1):
; multicalls that switch address spaces and change the tables between the switches, a root that
; is a page table, a root whose validation fails half-way (it leaves nothing typed), an unpin of
; the loaded root (it stays a table until the PTBR lets go), a plain `mtcr ptbr` (taken as
; set_ptbr). Every refusal leaves PTBR and the tables as they were. Expected output:
; "done, 0 failed".

    .include "pv-lib.inc"

    .equ PD2, 0x12000                       ; a second address space: VA 8 MiB -> DATA
    .equ PT2, 0x13000
    .equ PD3, 0x14000                       ; a bad one: PT3 maps PD3 writable
    .equ PT3, 0x15000
    .equ VA8, 0x00800000

    .global _start
_start:
    ; With paging off the frames are data: write PD2, PT2, PD3, PT3.
    li t0, PD2
    li t1, PT0 | PTE_V
    sw t1, 0(t0)
    li t1, 0 | PTE_V | PTE_W | PTE_X | PTE_L
    sw t1, 4(t0)                            ; the alias superpage, as in PD
    li t1, PT2 | PTE_V
    sw t1, 8(t0)
    li t1, 0xF0000000 | PTE_V | PTE_W | PTE_L
    sw t1, 0x3c0 * 4(t0)
    li t0, PT2
    li t1, DATA | PTE_V | PTE_W
    sw t1, 0(t0)
    li t0, PD3
    li t1, PT0 | PTE_V
    sw t1, 0(t0)
    li t1, PT3 | PTE_V
    sw t1, 8(t0)
    li t0, PT3
    li t1, PD3 | PTE_V | PTE_W
    sw t1, 0(t0)
    li t0, DATA
    li t1, 1234
    sw t1, 0(t0)
    call pv_setup
    ; PD2 pinned, then loaded: VA 8 MiB reads DATA.
    li a0, PD2
    li a1, 1
    hcall HC_PIN_TABLE
    EXPECT a0, 0, 1
    li a0, PD2 | 2
    hcall HC_SET_PTBR
    EXPECT a0, 0, 2
    mfcr t0, ptbr
    EXPECT t0, PD2 | 2, 3
    li t0, VA8
    lw t0, 0(t0)
    EXPECT t0, 1234, 4
    ; One multicall: back to PD, clear PD2's entry for VA 8 MiB, PD2 again. VA 8 MiB then faults.
    li t0, LIST
    li t1, PD2 + 8
    sw t1, 0(t0)
    sw zero, 4(t0)
    li t0, LIST + 0x100
    li t1, HC_SET_PTBR
    sw t1, 0(t0)
    li t1, PD | 1
    sw t1, 4(t0)
    li t1, HC_MMU_UPDATE
    sw t1, 16(t0)
    li t1, LIST
    sw t1, 20(t0)
    li t1, 1
    sw t1, 24(t0)
    li t1, HC_SET_PTBR
    sw t1, 32(t0)
    li t1, PD2 | 2 | 0x100                               ; KEEP: the stale entry must not survive anyway
    sw t1, 36(t0)
    li t1, HC_INVLPG
    sw t1, 48(t0)
    li t1, VA8
    sw t1, 52(t0)
    li a0, LIST + 0x100
    li a1, 4
    hcall HC_MULTICALL
    EXPECT a0, 0, 5
    EXPECT a1, 4, 6
    la t0, last_cause
    li t1, -1
    sw t1, 0(t0)
    li t0, VA8
    lw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_LOAD_PAGE_FAULT, 7
    ; Roots that are not directories: a page table, a data frame mapped writable, and PD3, whose
    ; page table maps it writable: each refused, PTBR unchanged, nothing left typed.
    li a0, PT0 | 3
    hcall HC_SET_PTBR
    EXPECT a0, EBUSY, 8
    li a0, DATA | 3
    hcall HC_SET_PTBR
    EXPECT a0, EBUSY, 9
    li a0, PD3 | 3
    hcall HC_SET_PTBR
    EXPECT a0, EBUSY, 10
    mfcr t0, ptbr                                        ; (KEEP is not kept: isa/README.md 4.4)
    EXPECT t0, PD2 | 2, 11
    li a0, PT3                                           ; PT3 alone is a fine page table: pin, unpin
    li a1, 0
    hcall HC_PIN_TABLE
    EXPECT a0, 0, 12
    li a0, PT3
    hcall HC_UNPIN_TABLE
    EXPECT a0, 0, 13
    ; Unpin the loaded root: it stays a table while PTBR holds it.
    li a0, PD2
    hcall HC_UNPIN_TABLE
    EXPECT a0, 0, 14
    li a0, PD2
    hcall HC_UNPIN_TABLE
    EXPECT a0, EBUSY, 15
    la t0, last_cause
    li t1, -1
    sw t1, 0(t0)
    li t0, ALIAS + PD2 + 8
    li t1, PT2 | PTE_V
    sw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_STORE_PROTECTION_FAULT, 16
    ; Leave PD2: it is data now, and the alias writes it (the entry for VA 8 MiB comes back).
    li a0, PD | 1
    hcall HC_SET_PTBR
    EXPECT a0, 0, 17
    li t0, ALIAS + PD2 + 8
    li t1, PT2 | PTE_V
    sw t1, 0(t0)
    PEEK t0, PD2 + 8
    EXPECT t0, PT2 | PTE_V, 18
    ; A plain mtcr ptbr is a set_ptbr: PD2 is validated again, with the entry back.
    li t0, PD2 | 2
    mtcr ptbr, t0
    li t0, VA8
    lw t0, 0(t0)
    EXPECT t0, 1234, 19
    li t0, PD | 1
    mtcr ptbr, t0
    mfcr t0, ptbr
    EXPECT t0, PD | 1, 20
    done
