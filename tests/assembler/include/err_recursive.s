; an include cycle is reported at the .include that closes it
    .include "cycle/a.inc"
    nop
