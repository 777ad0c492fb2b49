// The VMs of a command line, read and checked: a machine file (`--machine FILE.json`, every
// problem reported at once at its JSON path, exit 1) or `--vm 'NAME key=value…'` flags (one line,
// exit 2: a bad command line). Both describe a VM with the same fields and the same VM schema
// (config/machine-schema.ts); this module adds the checks a schema cannot state. It builds
// nothing: session.ts turns the entries into VM plans.

import { hasIssueAt, inDocumentOrder, invalid, pointer, ConfigError, type Issue } from '../config/issues.ts';
import { schemaIssues } from '../config/schema-issues.ts';
import { parseJson, readText } from '../config/json.ts';
import { MachineFileSchema, MAX_MEMORY_BYTES, MEMORY_PHRASE, MIN_MEMORY_BYTES, VmSchema, type MachineFile, type VmEntry } from '../config/machine-schema.ts';
import { pagesInRange, sizeBytes } from '../config/size.ts';
import { BootError, parseModuleSpec } from '../emulator/boot.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { reportIssues } from './issues.ts';

/**
 * Read and check a machine file. `program` is the FILE of the command line, the kernel of the
 * VMs that name none. Problems are printed and end in a CliError.
 */
export function loadMachineFile(file: string, program: string | undefined): MachineFile {
  const read = readText(file);
  if ('reason' in read) throw new CliError(`cannot read machine file '${file}': ${read.reason}`, EXIT_CODES.INPUT);
  const json = parseJson(read.text);
  const issues = json.ok ? inDocumentOrder(machineIssues(json.value, program), json.value) : json.issues;
  if (issues.length > 0) throw reportIssues(invalid(ConfigError, file, issues), 'nothing run');
  return (json as { value: MachineFile }).value;
}

function machineIssues(raw: unknown, program: string | undefined): Issue[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ path: '', message: `a machine file is a JSON object {"vms": [{"name": …}, …]} (got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)})` }];
  }
  const issues = schemaIssues(MachineFileSchema, raw);
  const machine = raw as MachineFile;
  if (machine.hostMemory !== undefined && !issues.some((i) => i.path === '/hostMemory')) {
    issues.push(...sizeIssues(machine.hostMemory, '/hostMemory'));
  }
  if (!Array.isArray(machine.vms)) return issues;
  const names = new Map<string, number>();
  machine.vms.forEach((vm, i) => {
    const at = pointer('/vms', i);
    if (issues.some((x) => x.path === at)) return; // not even an object
    const sound = (field: string) => !hasIssueAt(issues, `${at}/${field}`);
    issues.push(...vmIssues(vm, at, sound));
    if (vm.kernel === undefined && program === undefined) issues.push({ path: `${at}/kernel`, message: 'is required (no program FILE on the command line)' });
    if (!sound('name')) return;
    const twin = names.get(vm.name);
    if (twin !== undefined) issues.push({ path: `${at}/name`, message: `two VMs are named '${vm.name}' (VM ${twin} too)` });
    names.set(vm.name, i);
  });
  return issues;
}

/** What the VM schema cannot say: the memory's range and the modules' arguments (of the fields whose shape is right). */
function vmIssues(vm: VmEntry, at: string, sound: (field: string) => boolean = () => true): Issue[] {
  const issues: Issue[] = vm.memory === undefined || !sound('memory') ? [] : sizeIssues(vm.memory, `${at}/memory`);
  if (!sound('modules')) return issues;
  (vm.modules ?? []).forEach((spec, j) => {
    try {
      parseModuleSpec(spec);
    } catch (e) {
      if (!(e instanceof BootError)) throw e;
      issues.push({ path: `${at}/modules/${j}`, message: e.message });
    }
  });
  return issues;
}

function sizeIssues(raw: number | string, path: string): Issue[] {
  return pagesInRange(sizeBytes(raw), MIN_MEMORY_BYTES, MAX_MEMORY_BYTES) ? [] : [{ path, message: `${MEMORY_PHRASE} (got ${JSON.stringify(raw)})` }];
}

const VM_KEYS = ['mode', 'memory', 'kernel', 'module'] as const;

/** `--vm 'NAME [mode=M] [memory=SIZE] [kernel=FILE] [module=PROG[:ARGS]]…'` as a VM entry. */
export function parseVmFlag(text: string): VmEntry {
  const flag = `--vm '${text}'`;
  const [name = '', ...pairs] = text.trim().split(/\s+/);
  if (name === '') throw new CliError(`${flag}: a VM needs a name first, as in --vm 'a mode=ept module=primes.s'`);
  if (name.includes('=')) {
    const keyFirst = (VM_KEYS as readonly string[]).includes(name.slice(0, name.indexOf('=')));
    throw new CliError(`${flag}: a VM needs a name first${keyFirst ? `, as in --vm 'a ${text.trim()}'` : `, not '${name}'`}`);
  }
  const entry: Record<string, unknown> = { name };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag}: expected key=value, got '${pair}'`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!(VM_KEYS as readonly string[]).includes(key)) throw new CliError(`${flag}: unknown key '${key}' (${VM_KEYS.join(', ')})`);
    if (key === 'module') entry.modules = [...((entry.modules as string[] | undefined) ?? []), value];
    else if (key in entry) throw new CliError(`${flag}: ${key}= is given twice`);
    else entry[key] = value;
  }
  const issues = schemaIssues(VmSchema, entry);
  issues.push(...vmIssues(entry as unknown as VmEntry, '', (field) => !hasIssueAt(issues, `/${field}`)));
  if (issues.length > 0) {
    // `memory must be …`; a module's own message already names it.
    const phrase = (i: Issue) => (i.message.startsWith('module ') ? i.message : `${i.path.startsWith('/modules') ? 'module' : i.path.slice(1)} ${i.message}`);
    throw new CliError(`${flag}: ${issues.map(phrase).join('; ')}`);
  }
  return entry as unknown as VmEntry;
}
