; check/vm-test.s: `vmmlab lab check 2` runs this with your vm.s (and lab2.inc). It calls walk,
; map, lookup and unmap with paging off and reads the tables they built straight from memory,
; then turns paging on over them and makes the hardware use them. Each result is one `name
; value` line on the console; the check compares them with what the contracts in vm.s say.
;
; Not a program of its own: it includes the student's files, which are not beside it, so it
; assembles only with a lab folder on the include path (vmmlab lab check does that), and its
; entry is check_start rather than _start.

    .include "console.inc"
    .include "lab2.inc"

    .equ PDE_MMIO, (MMIO_BASE >>> SUPERPAGE_SHIFT) * 4

; REPORT label, reg: print "label value\n" (value in hex). Clobbers a0, t0-t4, ra.
.macro REPORT label, reg
    mv s3, \reg
    print_str \label
    print_hex s3
    print_char '\n'
.endm

; POOL_USED reg: reg = bytes alloc_page has handed out.
.macro POOL_USED reg
    la \reg, pool_next
    lw \reg, 0(\reg)
    li t0, POOL_START
    sub \reg, \reg, t0
.endm

    .global check_start
    .entry check_start
check_start:
    li sp, STACK_TOP
    la t0, trap_handler
    mtcr evec, t0

    li a0, 0x00400000               ; no table yet, no alloc: 0, and nothing allocated
    li a1, 0
    call walk
    REPORT r_walk_empty, a0
    POOL_USED s0
    REPORT r_walk_empty_pool, s0

    li a0, 0x00403000               ; alloc: the first pool page becomes va's table
    li a1, 1
    call walk
    REPORT r_walk_alloc, a0
    li t0, PD
    lw s0, 4(t0)
    REPORT r_walk_alloc_pde, s0
    li a0, 0x007ff000               ; the same 4 MiB region: the same table, no new page
    li a1, 1
    call walk
    REPORT r_walk_same, a0
    POOL_USED s0
    REPORT r_walk_same_pool, s0

    li a0, 0x00403000               ; map: the leaf is frame | perm | V
    li a1, 0x00090000
    li a2, PTE_W
    call map
    REPORT r_map, a0
    li a0, 0x00403000
    call lookup
    REPORT r_map_lookup, a0
    la t0, 0x0001100c
    lw s0, 0(t0)
    REPORT r_map_memory, s0
    li a0, 0x00404000
    li a1, 0x00091000
    li a2, PTE_W | PTE_X | PTE_U
    call map
    li a0, 0x00404000
    call lookup
    REPORT r_map_perm, a0
    li a0, 0x00405123               ; low bits of va and pa do not matter
    li a1, 0x00092456
    li a2, 0
    call map
    li a0, 0x00405ffc
    call lookup
    REPORT r_map_low_bits, a0
    li a0, 0x00403000               ; already mapped: -1, and the old leaf stays
    li a1, 0x00093000
    li a2, PTE_W
    call map
    REPORT r_remap, a0
    li a0, 0x00403000
    call lookup
    REPORT r_remap_lookup, a0

    li a0, 0x00406000               ; a table but no leaf; no table at all: 0, nothing allocated
    call lookup
    REPORT r_lookup_none, a0
    li a0, 0x12345000
    call lookup
    REPORT r_lookup_no_table, a0
    POOL_USED s0
    REPORT r_lookup_pool, s0

    li a0, 0x12345000               ; another region: a second table
    li a1, 0x00094000
    li a2, PTE_W
    call map
    REPORT r_map_region, a0
    li t0, PD
    lw s0, 0x48*4(t0)
    REPORT r_map_region_pde, s0
    li a0, 0x12345000
    call lookup
    REPORT r_map_region_lookup, a0

    ; The hardware on these tables: identity map, the devices, paging on.
    li s0, PAGE_SIZE
1:  mv a0, s0
    mv a1, s0
    li a2, PTE_W | PTE_X
    call map
    bnez a0, identity_failed
    li t0, PAGE_SIZE
    add s0, s0, t0
    li t0, IDENTITY_END
    bltu s0, t0, 1b
    li a0, check_start
    call lookup
    beqz a0, identity_failed
    li t0, PD
    li t1, MMIO_BASE | PTE_L | PTE_W | PTE_V
    sw t1, PDE_MMIO(t0)
    li t0, PD
    mtcr ptbr, t0
    li t0, STATUS_MODE | STATUS_PG
    mtcr status, t0
    li t0, 0x00403000
    li t1, 0xcafe0001
    sw t1, 0(t0)
    lw s0, 0(t0)
    REPORT r_hw_load, s0
    li a0, 0x00403000
    call lookup
    REPORT r_hw_lookup, a0
    li t0, 0x00404000
    lw s0, 0(t0)
    li a0, 0x00404000
    call lookup
    REPORT r_hw_lookup_loaded, a0

    li t0, 0x12345000               ; in the TLB now; unmap must take it out
    lw s0, 0(t0)
    li a0, 0x12345000
    call unmap
    li a0, 0x12345000
    call lookup
    REPORT r_unmap_lookup, a0
    la t0, fault_cause
    li t1, -1
    sw t1, 0(t0)
    la t1, expect_fault
    li t0, 1
    sw t0, 0(t1)
    li t0, 0x12345000
    lw s0, 0(t0)
    la t0, fault_cause
    lw s0, 0(t0)
    REPORT r_unmap_cause, s0
    la t0, fault_badva
    lw s0, 0(t0)
    REPORT r_unmap_badva, s0
    li a0, 0x00406000               ; never mapped, with and without a table: nothing happens
    call unmap
    li a0, 0x23456000
    call unmap
    POOL_USED s0
    REPORT r_unmap_none_pool, s0
    li a0, 0x00403000
    call lookup
    REPORT r_unmap_none_lookup, a0

    li t0, STATUS_MODE              ; paging off: the store went to the frame
    mtcr status, t0
    li t0, 0x00090000
    lw s0, 0(t0)
    REPORT r_hw_physical, s0
    print_str r_done
    poweroff 0

identity_failed:
    print_str r_identity_failed
    poweroff 1

; Notes an expected fault and skips the instruction; reports any other trap and powers off.
    .align 4
trap_handler:
    la t0, expect_fault
    lw t1, 0(t0)
    beqz t1, 1f
    sw zero, 0(t0)
    mfcr t1, cause
    la t0, fault_cause
    sw t1, 0(t0)
    mfcr t1, badva
    la t0, fault_badva
    sw t1, 0(t0)
    mfcr t0, epc
    addi t0, t0, 4
    mtcr epc, t0
    eret
1:  mfcr s0, cause
    mfcr s1, epc
    mfcr s2, badva
    print_str r_trap
    print_dec s0
    print_char ' '
    print_hex s1
    print_char ' '
    print_hex s2
    print_char '\n'
    poweroff 2

    .include "vm.s"

r_walk_empty:        .asciz "walk-empty "
r_walk_empty_pool:   .asciz "walk-empty-pool "
r_walk_alloc:        .asciz "walk-alloc "
r_walk_alloc_pde:    .asciz "walk-alloc-pde "
r_walk_same:         .asciz "walk-same "
r_walk_same_pool:    .asciz "walk-same-pool "
r_map:               .asciz "map "
r_map_lookup:        .asciz "map-lookup "
r_map_memory:        .asciz "map-memory "
r_map_perm:          .asciz "map-perm "
r_map_low_bits:      .asciz "map-low-bits "
r_remap:             .asciz "remap "
r_remap_lookup:      .asciz "remap-lookup "
r_lookup_none:       .asciz "lookup-none "
r_lookup_no_table:   .asciz "lookup-no-table "
r_lookup_pool:       .asciz "lookup-pool "
r_map_region:        .asciz "map-region "
r_map_region_pde:    .asciz "map-region-pde "
r_map_region_lookup: .asciz "map-region-lookup "
r_hw_load:           .asciz "hw-load "
r_hw_lookup:         .asciz "hw-lookup "
r_hw_lookup_loaded:  .asciz "hw-lookup-loaded "
r_unmap_lookup:      .asciz "unmap-lookup "
r_unmap_cause:       .asciz "unmap-cause "
r_unmap_badva:       .asciz "unmap-badva "
r_unmap_none_pool:   .asciz "unmap-none-pool "
r_unmap_none_lookup: .asciz "unmap-none-lookup "
r_hw_physical:       .asciz "hw-physical "
r_done:              .asciz "done\n"
r_identity_failed:   .asciz "identity-map failed\n"
r_trap:              .asciz "trap "
    .align 4
expect_fault: .word 0
fault_cause:  .word 0
fault_badva:  .word 0
