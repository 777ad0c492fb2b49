; pv-writable-pt.s: a PV guest tries to make its page tables writable (isa/README.md 3.8.1): a
; leaf mapping PT0 or PD writable, a store to PT0 through its read-only identity mapping and
; through the writable superpage alias, a frame mapped writable pinned as a table or made one by
; a directory entry. Each is refused (EBUSY, or a store protection fault) and changes nothing.
; Then the rule both ways: once frame T is unmapped it becomes a table, and from then on a
; writable leaf for it is refused; once it is a table no longer, the leaf is accepted. Expected
; output: "done, 0 failed".

    .include "pv-lib.inc"

    .equ T, DATA + 0x1000                   ; the frame that changes type
    .equ T_PTE, PT0 + (T >> 12) * 4         ; its identity leaf

    .global _start
_start:
    call pv_setup
    MMU1 PT0 + (PT0 >> 12) * 4, PT0 | PTE_V | PTE_W      ; PT0 writable
    EXPECT a0, EBUSY, 1
    MMU1 PT0 + (PD >> 12) * 4, PD | PTE_V | PTE_W        ; the directory writable
    EXPECT a0, EBUSY, 2
    MMU1 PT0 + 0x300 * 4, PT0 | PTE_V | PTE_W | PTE_U    ; a second, writable, user leaf for PT0
    EXPECT a0, EBUSY, 3
    PEEK t0, PT0 + 0x300 * 4
    EXPECT t0, 0, 4
    ; Stores to PT0: through its read-only identity leaf, and through the writable alias.
    la t0, last_cause
    li t1, -1
    sw t1, 0(t0)
    li t0, PT0 + 0x300 * 4
    li t1, 0x1000 | PTE_V | PTE_W
    sw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_STORE_PROTECTION_FAULT, 5
    la t0, last_cause
    li t1, -1
    sw t1, 0(t0)
    li t0, ALIAS + PT0 + 0x300 * 4
    li t1, 0x1000 | PTE_V | PTE_W
    sw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_STORE_PROTECTION_FAULT, 6
    PEEK t0, PT0 + 0x300 * 4
    EXPECT t0, 0, 7
    ; The alias still writes data.
    li t0, ALIAS + DATA
    li t1, 0x5eed
    sw t1, 0(t0)
    PEEK t0, DATA
    EXPECT t0, 0x5eed, 8
    ; T is mapped writable (PT0 maps all of RAM so): it cannot become a table.
    li a0, T
    li a1, 0
    hcall HC_PIN_TABLE
    EXPECT a0, EBUSY, 9
    MMU1 PD + 8, T | PTE_V
    EXPECT a0, EBUSY, 10
    li a0, T | 2
    hcall HC_SET_PTBR
    EXPECT a0, EBUSY, 11
    ; Unmapped, it can: a directory entry makes it a page table (validated: it holds zeros).
    MMU1 T_PTE, 0
    EXPECT a0, 0, 12
    MMU1 PD + 8, T | PTE_V
    EXPECT a0, 0, 13
    MMU1 T_PTE, T | PTE_V | PTE_W                        ; now a writable leaf for it is refused
    EXPECT a0, EBUSY, 14
    MMU1 T_PTE, T | PTE_V                                ; a read-only one is fine
    EXPECT a0, 0, 15
    la t0, last_cause                                    ; and the alias no longer writes it
    li t1, -1
    sw t1, 0(t0)
    li t0, ALIAS + T
    li t1, 0x1000 | PTE_V
    sw t1, 0(t0)
    PEEK t0, last_cause
    EXPECT t0, CAUSE_STORE_PROTECTION_FAULT, 16
    ; A leaf in T mapping T itself writable is refused too (T is the table it would live in).
    MMU1 T, T | PTE_V | PTE_W
    EXPECT a0, EBUSY, 17
    MMU1 T, DATA | PTE_V | PTE_W                         ; an entry of T: VA 8 MiB -> DATA
    EXPECT a0, 0, 18
    li t0, 0x00800000
    lw t1, 0(t0)
    EXPECT t1, 0x5eed, 19
    ; T stops being a table when the directory entry goes: data again, writable again.
    MMU1 PD + 8, 0
    EXPECT a0, 0, 20
    li a0, 0x00800000
    hcall HC_INVLPG
    EXPECT a0, 0, 21
    MMU1 T_PTE, T | PTE_V | PTE_W
    EXPECT a0, 0, 22
    li t0, ALIAS + T                                     ; the alias writes it again
    li t1, 77
    sw t1, 0(t0)
    PEEK t0, T
    EXPECT t0, 77, 23
    done
