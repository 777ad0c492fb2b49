; vm.s: lab 2's page-table routines, the reference solution (contracts as in the starter).

; walk(a0 = va, a1 = alloc) -> a0 = &pte of va, or 0.
walk:
    addi sp, sp, -12
    sw ra, 0(sp)
    sw s0, 4(sp)
    sw s1, 8(sp)
    mv s0, a0
    srli t0, a0, 22                 ; VPN1
    slli t0, t0, 2
    li t1, PD
    add s1, t1, t0                  ; s1 = &pde
    lw t0, 0(s1)
    andi t1, t0, PTE_V
    beqz t1, 1f
    andi t1, t0, PTE_L
    bnez t1, 3f                     ; a superpage: no level-0 entry
    li t1, PTE_FRAME_MASK
    and a0, t0, t1
    j 2f
1:  beqz a1, 3f
    call alloc_page
    beqz a0, 3f
    ori t0, a0, PTE_V
    sw t0, 0(s1)
2:  srli t0, s0, 12                 ; VPN0
    andi t0, t0, 0x3ff
    slli t0, t0, 2
    add a0, a0, t0
    j 4f
3:  li a0, 0
4:  lw ra, 0(sp)
    lw s0, 4(sp)
    lw s1, 8(sp)
    addi sp, sp, 12
    ret

; map(a0 = va, a1 = pa, a2 = perm) -> a0 = 0 / -1.
map:
    addi sp, sp, -12
    sw ra, 0(sp)
    sw s0, 4(sp)
    sw s1, 8(sp)
    li t0, PTE_FRAME_MASK
    and s0, a1, t0
    andi t1, a2, 0xfff
    or s0, s0, t1
    ori s0, s0, PTE_V               ; s0 = the new leaf
    li a1, 1
    call walk
    beqz a0, 1f
    lw t0, 0(a0)
    andi t0, t0, PTE_V
    bnez t0, 1f                     ; mapped already
    sw s0, 0(a0)
    li a0, 0
    j 2f
1:  li a0, -1
2:  lw ra, 0(sp)
    lw s0, 4(sp)
    lw s1, 8(sp)
    addi sp, sp, 12
    ret

; lookup(a0 = va) -> a0 = the leaf, or 0.
lookup:
    addi sp, sp, -4
    sw ra, 0(sp)
    li a1, 0
    call walk
    beqz a0, 1f
    lw a0, 0(a0)
    andi t0, a0, PTE_V
    bnez t0, 1f
    li a0, 0
1:  lw ra, 0(sp)
    addi sp, sp, 4
    ret

; unmap(a0 = va): zero the leaf and invlpg.
unmap:
    addi sp, sp, -8
    sw ra, 0(sp)
    sw s0, 4(sp)
    mv s0, a0
    li a1, 0
    call walk
    beqz a0, 1f
    lw t0, 0(a0)
    andi t0, t0, PTE_V
    beqz t0, 1f
    sw zero, 0(a0)
    invlpg s0                       ; the TLB may still hold the old translation
1:  lw ra, 0(sp)
    lw s0, 4(sp)
    addi sp, sp, 8
    ret
