; data directives, .org/.align/.space, .equ/.set, .global, .entry
    .global _start, table
    .entry main
_start:
    .word 1, -1, 0xdeadbeef           ; = 0x00000001 0xffffffff 0xdeadbeef
    .half 0x1234, -2, 65535           ; = 0x1234 0xfffe 0xffff
    .byte 1, 255, -128, 'A'           ; = 0x01 0xff 0x80 0x41
    .ascii "hi\n"                     ; = 0x68 0x69 0x0a
    .asciz "a\tb\x41\"\\\0"             ; = 0x61 0x09 0x62 0x41 0x22 0x5c 0x00 0x00
    .align 4                          ; = 0x00 0x00 0x00
main:
    nop                               ; = 0x48000000
    .space 3                          ; = 0x00 0x00 0x00
    .space 2, 0xff                    ; = 0xff 0xff
    .align 8                          ; = 0x00 0x00 0x00
table:
    .word main, table, . - main       ; = 0x00001024 0x00001030 0x0000000c
    .equ SIZE, 8 * 4
    .set COUNT, 1
    .set COUNT, COUNT + 1
    .word SIZE, COUNT                 ; = 0x00000020 0x00000002
    .set COUNT, COUNT * 10
    .word COUNT                       ; = 0x00000014
    .org 0x2000
far:
    .word far                         ; = 0x00002000
    .org 0x1800
    .word 7                           ; = 0x00000007
    .align 1
    .align 4
