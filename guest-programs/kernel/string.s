; string.s: memory and string helpers on kernel virtual addresses (xv6's string.c). All leaves.

; memcpy(a0 = dst, a1 = src, a2 = byte count): copy bytes, front to back (the ranges must not
; overlap). Returns with a0 = dst + count and a1 = src + count. Clobbers a2, t0.
memcpy:
    beqz a2, 2f
1:  lbu t0, 0(a1)
    sb t0, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    addi a2, a2, -1
    bnez a2, 1b
2:  ret

; pagecopy(a0 = dst, a1 = src): copy one 4 KiB page; both page-aligned. Clobbers a0, a1, t0-t4.
pagecopy:
    li t4, PGSIZE
    add t4, a0, t4
1:  lw t0, 0(a1)
    lw t1, 4(a1)
    lw t2, 8(a1)
    lw t3, 12(a1)
    sw t0, 0(a0)
    sw t1, 4(a0)
    sw t2, 8(a0)
    sw t3, 12(a0)
    lw t0, 16(a1)
    lw t1, 20(a1)
    lw t2, 24(a1)
    lw t3, 28(a1)
    sw t0, 16(a0)
    sw t1, 20(a0)
    sw t2, 24(a0)
    sw t3, 28(a0)
    addi a0, a0, 32
    addi a1, a1, 32
    bltu a0, t4, 1b
    ret

; strcmp(a0 = s, a1 = t) -> a0 = 0 if the NUL-terminated strings are equal, non-zero otherwise.
; Clobbers a1, t0, t1.
strcmp:
1:  lbu t0, 0(a0)
    lbu t1, 0(a1)
    bne t0, t1, 2f
    beqz t0, 3f
    addi a0, a0, 1
    addi a1, a1, 1
    j 1b
2:  li a0, 1
    ret
3:  li a0, 0
    ret
