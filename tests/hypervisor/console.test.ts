// The console's input and `hcall`, natively, under shadow paging and under EPT (one body, three
// environments). Input waiting in a VM's console must raise DEVICE_INTERRUPT in its vCPU and end
// a wfi exactly as on bare metal (isa/README.md sections 5.5 and 7); hcall is ILLEGAL_INSTRUCTION
// natively and, under both VMMs, returns a0 = -1 and goes on (isa/README.md 3.8).

import { describe, expect, it } from 'vitest';
import { CAUSE } from '../../isa/arch.ts';
import { ENVS, assembleGuest, hex, runIn, type Outcome } from './harness.ts';

const CONSOLE_INC = '.include "../../../guest-programs/lib/console.inc"';

/** Interrupts on, then spin until the handler has echoed three bytes from CONSOLE_RX. */
const INTERRUPT_ECHO = `${CONSOLE_INC}
_start:
    la t0, handler
    mtcr evec, t0
    mfcr t0, status
    ori t0, t0, STATUS_IE
    mtcr status, t0
spin:
    la t0, got
    lw t1, 0(t0)
    li t2, 3
    bltu t1, t2, spin
    print_char '\\n'
    print_str msg_interrupts
    la t0, interrupts
    lw t0, 0(t0)
    print_dec t0
    print_str msg_cause
    la t0, cause
    lw t0, 0(t0)
    print_dec t0
    print_char '\\n'
    poweroff 0

; The device interrupt: echo every waiting byte (which clears it), count, return. s0-s3 only.
handler:
    mfcr s3, cause
    la s2, cause
    sw s3, 0(s2)
    li s0, CONSOLE_RX
1:  lw s1, 0(s0)
    blt s1, zero, 2f
    li s2, CONSOLE_TX
    sw s1, 0(s2)
    la s2, got
    lw s1, 0(s2)
    addi s1, s1, 1
    sw s1, 0(s2)
    j 1b
2:  la s2, interrupts
    lw s1, 0(s2)
    addi s1, s1, 1
    sw s1, 0(s2)
    eret

msg_interrupts: .asciz "interrupts "
msg_cause:      .asciz ", cause "
    .align 4
got:        .word 0
interrupts: .word 0
cause:      .word 0
`;

/** hcall 5 in supervisor mode, then hcall 1 in user mode; the handler reports each trap. */
const HCALL = `${CONSOLE_INC}
_start:
    la t0, handler
    mtcr evec, t0
    li a0, 77
    hcall 5
    mv s0, a0
    print_str msg_returned
    print_hex s0
    print_char '\\n'
user_mode:
    la t0, user
    mtcr epc, t0
    li t0, STATUS_MODE              ; PMODE = 0: eret drops to user mode (paging stays off)
    mtcr status, t0
    eret
user:
    hcall 1
    poweroff 9

handler:
    mfcr s0, cause
    mfcr s1, badva
    print_str msg_trap
    print_dec s0
    print_str msg_badva
    print_hex s1
    print_char '\\n'
    mfcr s0, status
    andi s0, s0, STATUS_PMODE
    bnez s0, 1f
    poweroff 0                      ; the user-mode hcall: done
1:  la t0, user_mode                ; the supervisor hcall trapped (bare metal): go on
    mtcr epc, t0
    eret

msg_returned: .asciz "hcall returned a0 = "
msg_trap:     .asciz "trap: cause "
msg_badva:    .asciz ", badva "
`;

const runAll = (source: string, consoleInput?: string): Outcome[] =>
  ENVS.map((env) => runIn(env, assembleGuest(source), consoleInput === undefined ? {} : { consoleInput }));

function sameEverywhere(outcomes: readonly Outcome[]): void {
  const [native, ...vms] = outcomes;
  for (const vm of vms) {
    expect(vm.visible, `${vm.env} against native`).toEqual(native!.visible);
    expect(vm.stats.traps, `${vm.env}: traps`).toEqual(native!.stats.traps);
    expect(vm.stats.interrupts, `${vm.env}: interrupts`).toBe(native!.stats.interrupts);
  }
}

describe('console input in every environment', () => {
  it('case 1: waiting input raises DEVICE_INTERRUPT at the same instruction, natively and in a VM', () => {
    const outcomes = runAll(INTERRUPT_ECHO, 'abc');
    for (const o of outcomes) {
      expect(o.visible.reason, o.env).toBe('halted');
      expect(o.visible.console, o.env).toBe(`abc\ninterrupts 1, cause ${CAUSE.DEVICE_INTERRUPT}\n`);
      expect(o.stats.traps[CAUSE.DEVICE_INTERRUPT], o.env).toBe(1);
    }
    sameEverywhere(outcomes);
  });

  it('case 2: with no input the guest never takes the interrupt (it spins to its budget)', () => {
    const outcomes = ENVS.map((env) => runIn(env, assembleGuest(INTERRUPT_ECHO), { maxInstructions: 20_000 }));
    for (const o of outcomes) {
      expect(o.visible.reason, o.env).toBe('max-instructions');
      expect(o.stats.interrupts, o.env).toBe(0);
    }
  });

  it('case 3: a waiting byte ends wfi (interrupts off); without one, wfi is a deadlock in every environment', () => {
    const source = `${CONSOLE_INC}
_start:
    li a0, 1
wait:
    wfi
    li t0, CONSOLE_RX
    lw a1, 0(t0)
    print_dec a1
    poweroff 0
`;
    const woken = runAll(source, 'k');
    for (const o of woken) {
      expect(o.visible.reason, o.env).toBe('halted');
      expect(o.visible.console, o.env).toBe(String('k'.charCodeAt(0)));
    }
    sameEverywhere(woken);
    const stuck = runAll(source);
    for (const o of stuck) {
      expect(o.visible.reason, o.env).toBe('wfi-deadlock');
      expect(o.visible.instructions, o.env).toBe(1); // the li; the wfi does not retire
    }
  });
});

describe('hcall', () => {
  const [native, shadow, ept] = runAll(HCALL);
  const word = (code: number) => hex(0xf8010000 | code);

  it('case 4: natively it is ILLEGAL_INSTRUCTION with BADVA = the word', () => {
    expect(native!.visible.console).toBe(
      `trap: cause ${CAUSE.ILLEGAL_INSTRUCTION}, badva ${word(5)}\n` +
      `trap: cause ${CAUSE.PRIVILEGED_INSTRUCTION}, badva ${word(1)}\n`,
    );
    expect(native!.visible.exitCode).toBe(0);
  });

  it.each([['shadow', shadow], ['ept', ept]] as const)('case 5 (%s): it exits, the VMM returns a0 = -1 and the guest goes on; in user mode it is PRIVILEGED_INSTRUCTION', (_mode, o) => {
    expect(o!.visible.console).toBe(`hcall returned a0 = 0xffffffff\ntrap: cause ${CAUSE.PRIVILEGED_INSTRUCTION}, badva ${word(1)}\n`);
    expect(o!.visible.reason).toBe('halted');
    expect(o!.visible.exitCode).toBe(0);
    // Only the supervisor hcall exits: the privilege check comes first (isa/README.md 5.1).
    expect(o!.vmm!.exitsByReason.get('hcall')).toBe(1);
    expect(o!.stats.traps[CAUSE.ILLEGAL_INSTRUCTION]).toBe(0);
  });
});
