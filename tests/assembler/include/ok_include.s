; .include: paths relative to the including file, nested includes, macros and symbols from them.
; Words from an included file are attributed to the included file's own lines.
    .include "lib/defs.inc"
start:
    load_magic a1                    ; = 0x49000042
    call helper                      ; = 0xc07ffffd
