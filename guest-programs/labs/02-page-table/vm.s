; vm.s: lab 2's page-table routines: yours to write (docs/labs/02-page-table.md). paging.s
; builds its page tables with them, and `vmmlab lab check 2` tests each against its contract.
;
; The tables (isa/README.md 6.1, 6.2): a directory of 1024 entries at PD; entry VPN1 = va[31:22]
; is 0 (nothing mapped in that 4 MiB) or points at a page table (its frame | PTE_V); entry
; VPN0 = va[21:12] of that table is the leaf: the frame | permission bits | PTE_V. Tables come
; from alloc_page (lab2.inc), already zeroed. Every table lies below IDENTITY_END, which paging.s
; identity-maps, so a table's physical address works with paging on as with it off.
;
; Calling convention (isa/README.md 1): arguments in a0-a3, the result in a0; a0-a3 and t0-t4
; may change, s0-s3 and sp must be as they were (save them, and ra, on the stack if you use them).

; walk(a0 = va, a1 = alloc) -> a0 = the address of va's level-0 entry (in its page table), or 0
; when va's 4 MiB region has no page table and alloc is 0, when alloc_page has no page left, or
; when the directory entry is a superpage (PTE_L). With alloc = 1, a missing table is taken
; from alloc_page and linked into the directory with an entry of its frame | PTE_V.
walk:
    ; TODO step 1
    li a0, 0
    ret

; map(a0 = va, a1 = pa, a2 = perm) -> a0 = 0, or -1 when va's page is mapped already or no page
; table could be had. Maps the page holding va to the frame holding pa: its leaf becomes
; pa's frame | perm | PTE_V (perm: any of PTE_W, PTE_X, PTE_U, PTE_G; low bits of va and pa are
; ignored).
map:
    ; TODO step 2
    li a0, 0
    ret

; lookup(a0 = va) -> a0 = the leaf entry of va's page (as the hardware last left it: with its A
; and D bits), or 0 when va has none. Allocates nothing.
lookup:
    ; TODO step 3
    li a0, 0
    ret

; unmap(a0 = va): va's page is mapped no more: its leaf is zeroed (if it had one), and no TLB
; entry may still translate it (isa/README.md 6.4). Pages never mapped are left alone.
unmap:
    ; TODO step 4
    ret
