; include files that cannot be read; later errors are still reported
    .include "no/such/file.inc"  ; error: cannot read include file
    .include "lib"               ; error: cannot read include file
    addi a0, a0, 999999          ; error: out of range
