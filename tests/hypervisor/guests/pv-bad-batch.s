; pv-bad-batch.s: a PV guest hands the VMM malformed batches (isa/README.md 3.8.1): counts over
; MAX_BATCH and huge ones, lists past the end of RAM or straddling it, a misaligned list, entry
; addresses that are misaligned, outside any page table or past RAM, overlapping entries, an
; entry whose validity an earlier one in the same batch takes away, a multicall inside a
; multicall, an unknown hypercall. A bad list does nothing (a1 = 0); a bad entry stops the batch
; there: the entries before it are applied (a1 counts them), it and those after are not.
; Expected output: "done, 0 failed".

    .include "pv-lib.inc"

    .equ E300, PT0 + 0x300 * 4              ; free identity entries (VA 3 MiB and up)
    .equ E301, PT0 + 0x301 * 4
    .equ E302, PT0 + 0x302 * 4
    .equ F, DATA + 0x2000                   ; a frame to map

    .global _start
_start:
    call pv_setup
    ; Counts: one over the limit, and huge ones. Nothing is applied.
    PAIR 0, E300, F | PTE_V
    li a0, LIST
    li a1, MAX_BATCH + 1
    hcall HC_MMU_UPDATE
    EXPECT a0, EINVAL, 1
    EXPECT a1, 0, 2
    li a0, LIST
    li a1, 0x7fffffff
    hcall HC_MMU_UPDATE
    EXPECT a0, EINVAL, 3
    li a0, LIST
    li a1, -1
    hcall HC_MMU_UPDATE
    EXPECT a0, EINVAL, 4
    PEEK t0, E300
    EXPECT t0, 0, 5
    ; Lists: past RAM, straddling its end, misaligned.
    li a0, RAM_END
    li a1, 1
    hcall HC_MMU_UPDATE
    EXPECT a0, EFAULT, 6
    li a0, RAM_END - 8
    li a1, 2
    hcall HC_MMU_UPDATE
    EXPECT a0, EFAULT, 7
    li a0, 0xfffffff8
    li a1, 2
    hcall HC_MMU_UPDATE
    EXPECT a0, EFAULT, 8
    li a0, LIST + 2
    li a1, 1
    hcall HC_MMU_UPDATE
    EXPECT a0, EINVAL, 9
    ; A bad entry stops the batch where it is: entries 0 and 1 applied, 2 (misaligned) and 3 not.
    PAIR 0, E300, F | PTE_V
    PAIR 1, E301, F | PTE_V | PTE_W
    PAIR 2, E302 + 2, F | PTE_V
    PAIR 3, E302, F | PTE_V
    li a0, LIST
    li a1, 4
    hcall HC_MMU_UPDATE
    EXPECT a0, EINVAL, 10
    EXPECT a1, 2, 11
    PEEK t0, E300
    EXPECT t0, F | PTE_V, 12
    PEEK t0, E301
    EXPECT t0, F | PTE_V | PTE_W, 13
    PEEK t0, E302
    EXPECT t0, 0, 14
    li t0, 0x00301000                                    ; entry 1 works: a store through it
    li t1, 41
    sw t1, 0(t0)
    PEEK t0, F
    EXPECT t0, 41, 15
    ; Entry addresses outside any page table, and past RAM.
    MMU1 DATA, F | PTE_V
    EXPECT a0, EINVAL, 16
    MMU1 RAM_END + 0x1000, F | PTE_V
    EXPECT a0, EPERM, 17
    ; Overlapping entries: applied in order, the last one stays.
    PAIR 0, E302, F | PTE_V
    PAIR 1, E302, F | PTE_V | PTE_W
    PAIR 2, E302, 0
    PAIR 3, E302, DATA | PTE_V
    li a0, LIST
    li a1, 4
    hcall HC_MMU_UPDATE
    EXPECT a0, 0, 18
    EXPECT a1, 4, 19
    PEEK t0, E302
    EXPECT t0, DATA | PTE_V, 20
    ; An earlier entry takes the later one's validity away: entry 0 maps frame T writable, entry 1
    ; would make T a page table. Entry 0 stays; entry 1 is refused.
    PAIR 0, E302, T | PTE_V | PTE_W
    PAIR 1, PD + 12, T | PTE_V
    li a0, LIST
    li a1, 2
    hcall HC_MMU_UPDATE
    EXPECT a0, EBUSY, 21
    EXPECT a1, 1, 22
    PEEK t0, PD + 12
    EXPECT t0, 0, 23
    ; Multicalls: one inside another, an unknown number inside, and a huge count.
    li t0, LIST + 0x100
    li t1, HC_MULTICALL
    sw t1, 0(t0)
    li t1, LIST
    sw t1, 4(t0)
    li t1, 1
    sw t1, 8(t0)
    li a0, LIST + 0x100
    li a1, 1
    hcall HC_MULTICALL
    EXPECT a0, ENOSYS, 24
    EXPECT a1, 0, 25
    PEEK t0, LIST + 0x100 + 12                           ; the entry's result word
    EXPECT t0, ENOSYS, 26
    li t0, LIST + 0x100
    li t1, HC_TLBFLUSH
    sw t1, 0(t0)
    li t1, 99
    sw t1, 16(t0)
    li a0, LIST + 0x100
    li a1, 2
    hcall HC_MULTICALL
    EXPECT a0, ENOSYS, 27
    EXPECT a1, 1, 28
    li a0, LIST
    li a1, 0x10000000
    hcall HC_MULTICALL
    EXPECT a0, EINVAL, 29
    hcall 99
    EXPECT a0, ENOSYS, 30
    li a0, 0x1000
    li a1, 7                                             ; a pin level that is not 0 or 1
    hcall HC_PIN_TABLE
    EXPECT a0, EINVAL, 31
    li a0, T + 4                                         ; a pin of a misaligned frame
    li a1, 0
    hcall HC_PIN_TABLE
    EXPECT a0, EINVAL, 32
    li a0, DATA                                          ; an unpin of a frame never pinned
    hcall HC_UNPIN_TABLE
    EXPECT a0, EBUSY, 33
    done

    .equ T, DATA + 0x3000
