// The published JSON Schemas (schemas/): up to date with the TypeBox definitions they are made
// from, named by every shipped study, and holding the emulator's and the kernel's real limits.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { loadMachineFile } from '../../cli/machine-file.ts';
import { loadProfileFile } from '../../cli/profile-file.ts';
import { PUBLISHED_SCHEMAS, schemaText } from '../../config/published.ts';
import { MAX_MEMORY_BYTES, MachineFileSchema } from '../../config/machine-schema.ts';
import { ProfileFileSchema } from '../../config/profile-schema.ts';
import { StudyFileSchema } from '../../config/study-schema.ts';
import { PhysicalMemory } from '../../emulator/memory.ts';
import { parseProfile } from '../../emulator/profile.ts';
import { checkTlbConfig, DEFAULT_TLB } from '../../emulator/tlb.ts';
import { KERNEL_MAXARG, KERNEL_NPROC, MAX_PHYSICAL_BYTES } from '../../experiments/limits.ts';
import { MAX_TLB_ENTRIES } from '../../experiments/params.ts';
import { REPO, STUDIES_DIR } from './fixtures.ts';

const studies = fs.readdirSync(STUDIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('schemas/', () => {
  it.each(PUBLISHED_SCHEMAS.map((s) => s.file))('case 1: %s is what the TypeBox definition makes (else: node --import tsx scripts/write-schemas.ts)', (file) => {
    const entry = PUBLISHED_SCHEMAS.find((s) => s.file === file)!;
    const committed = fs.readFileSync(path.join(REPO, 'schemas', file), 'utf8');
    expect(committed, `schemas/${file} is out of date: run node --import tsx scripts/write-schemas.ts`).toBe(schemaText(entry));
    const json = JSON.parse(committed);
    expect(json.$id).toMatch(/^urn:vmmlab:schema:/);
    expect(json.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('case 2: holds exactly the three published schemas', () => {
    expect(fs.readdirSync(path.join(REPO, 'schemas')).sort()).toEqual(['machine.schema.json', 'profile.schema.json', 'study.schema.json']);
  });

  it.each(studies)('case 3: %s names the study schema by a path that resolves, and fits it', (file) => {
    const text = fs.readFileSync(path.join(STUDIES_DIR, file), 'utf8');
    const study = JSON.parse(text);
    expect(study.$schema).toBe('../../schemas/study.schema.json');
    expect(fs.existsSync(path.resolve(STUDIES_DIR, study.$schema))).toBe(true);
    expect([...Value.Errors(StudyFileSchema, study)]).toEqual([]);
  });

  it('case 4: the example study of docs/experiments.md fits the schema', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/experiments.md'), 'utf8');
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]!);
    expect([...Value.Errors(StudyFileSchema, example)]).toEqual([]);
  });

  it('case 5: machine and profile files, with a $schema key, fit their schemas and load', () => {
    const machine = { $schema: '../schemas/machine.schema.json', vpid: true, quantum: 5000, hostMemory: '64M', vms: [{ name: 'a', mode: 'shadow', memory: '8M', kernel: 'k.s', modules: ['primes.s'] }] };
    const profile = { $schema: '../schemas/profile.schema.json', walkRefCycles: 40, insn: { mul: 3 } };
    expect([...Value.Errors(MachineFileSchema, machine)]).toEqual([]);
    expect([...Value.Errors(ProfileFileSchema, profile)]).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmmlab-schemas-'));
    try {
      fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify(machine));
      fs.writeFileSync(path.join(dir, 'p.json'), `\ufeff${JSON.stringify(profile)}`);
      expect(loadMachineFile(path.join(dir, 'm.json'), undefined).vms[0]!.name).toBe('a');
      expect(loadProfileFile(path.join(dir, 'p.json'))).toMatchObject({ walkRefCycles: 40, insn: { mul: 3 } });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
    expect(parseProfile(JSON.stringify(profile)).walkRefCycles).toBe(40);
  });
});

describe('the limits are the emulator\'s and the kernel\'s', () => {
  it('case 1: the largest TLB the schema allows is the largest the TLB builds', () => {
    expect(checkTlbConfig({ ...DEFAULT_TLB, entries: MAX_TLB_ENTRIES })).toBeUndefined();
    expect(checkTlbConfig({ ...DEFAULT_TLB, entries: MAX_TLB_ENTRIES * 2 })).toBeDefined();
  });

  it('case 2: the largest memory is the largest physical memory the emulator builds', () => {
    expect(MAX_MEMORY_BYTES).toBe(MAX_PHYSICAL_BYTES);
    // (Refused before anything is allocated.)
    expect(() => new PhysicalMemory(MAX_MEMORY_BYTES + 4096)).toThrow(RangeError);
  });

  it('case 3: the kernel limits are those of guest-programs/kernel/param.inc', () => {
    const param = fs.readFileSync(path.join(REPO, 'guest-programs/kernel/param.inc'), 'utf8');
    const equ = (name: string) => Number(new RegExp(`^\\.equ ${name},\\s*(\\d+)`, 'm').exec(param)![1]);
    expect(KERNEL_NPROC).toBe(equ('NPROC'));
    expect(KERNEL_MAXARG).toBe(equ('MAXARG'));
  });
});
