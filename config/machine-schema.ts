// The schema of a machine file (`vmmlab run --machine FILE.json`): the VMs of one host and the
// host's settings. `--vm 'NAME key=value…'` describes one VM with the same fields, checked by the
// same VM schema. The checks no schema can state (names that must differ, sizes in range, module
// arguments, a kernel for every VM) are in cli/machine-file.ts.
//
// The published JSON Schema (schemas/machine.schema.json) is generated from this definition.

import { Type, type Static } from '@sinclair/typebox';
import { MAX_STUDY_INSTRUCTIONS } from '../experiments/limits.ts';
import { SIZE_PATTERN } from './size.ts';

/** A VM's name: it prefixes console lines and keys the statistics, so a word (with - allowed). */
export const VM_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.+-]*$';
export const VM_NAME_PHRASE = 'must be a name: a letter or _, then letters, digits, _ . + -';

/** The VMM numbers VMs with 8-bit VPIDs (hypervisor/vmm.ts addVm). */
export const MAX_VMS = 255;

/** The emulator's physical memory (emulator/memory.ts): whole pages below the MMIO window at 0xF0000000. */
export const MIN_MEMORY_BYTES = 4096;
export const MAX_MEMORY_BYTES = 0xf0000000;
export const MEMORY_PHRASE = 'must be a multiple of 4 KiB from 4K to 3840M, such as 8M';

const size = (description: string) => Type.Union([Type.Integer(), Type.String({ pattern: SIZE_PATTERN })], { errorMessage: MEMORY_PHRASE, description });

export const VmSchema = Type.Object({
  name: Type.String({ pattern: VM_NAME_PATTERN, maxLength: 64, errorMessage: VM_NAME_PHRASE, description: 'the VM\'s name: console lines are prefixed with it' }),
  mode: Type.Optional(Type.Union([Type.Literal('shadow'), Type.Literal('ept'), Type.Literal('pv'), Type.Literal('dynamic'), Type.Literal('agile')], {
    errorMessage: 'must be shadow, ept, pv, dynamic or agile; a VM does not run native',
    description: 'shadow paging, EPT, the paravirtual MMU with the kernel\'s PV build, switching between shadow and EPT (dynamic; --dynamic-* options), or agile paging (agile; --agile-* options) (default: --mode, else shadow)',
  })),
  memory: Type.Optional(size('guest memory (default --memory)')),
  kernel: Type.Optional(Type.String({ minLength: 1, description: 'the kernel or program to boot (default: the FILE on the command line)' })),
  modules: Type.Optional(Type.Array(Type.String({ minLength: 1, errorMessage: 'must be a module: PROG.s[:ARG,ARG…]' }), {
    description: 'boot modules, PROG.s[:ARG,ARG…] as for --module (default: none)',
  })),
}, { additionalProperties: false });

export const MachineFileSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'the JSON Schema of this file (editors use it)' })),
  vms: Type.Array(VmSchema, { minItems: 1, maxItems: MAX_VMS, description: 'the VMs, sharing one host' }),
  vpid: Type.Optional(Type.Boolean({ errorMessage: 'must be true or false', description: 'tag TLB entries per VM (no flush on VM switches); as --vpid' })),
  quantum: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_STUDY_INSTRUCTIONS, errorMessage: `must be a whole number from 1 to ${MAX_STUDY_INSTRUCTIONS}`,
    description: 'guest instructions per VM turn; as --quantum',
  })),
  hostMemory: Type.Optional(size('host memory shared by the VMs; as --host-memory')),
  pager: Type.Optional(Type.String({
    minLength: 1,
    errorMessage: 'must be a pager module: a .js or .ts file',
    description: 'a pager of one\'s own for the VMs of its mode (docs/pager-api.md); as --pager',
  })),
}, {
  additionalProperties: false,
  title: 'vmmlab machine',
  description: 'VMs on one host, for vmmlab run --machine FILE.json (and vmmlab debug).',
});

export type VmEntry = Static<typeof VmSchema>;
export type MachineFile = Static<typeof MachineFileSchema>;
