; hello.s: print a greeting and power off with exit code 0.
    .include "lib/console.inc"

    .global _start
_start:
    print_str greeting
    poweroff 0

greeting:
    .asciz "Hello from TV32!\n"
