// A machine profile file (`--profile FILE.json`), read and checked: every problem at once, each
// at its JSON path (exit 1, bad input), before the profile is built from it. The schema is
// config/profile-schema.ts; the profile itself is emulator/profile.ts's.

import { ConfigError, inDocumentOrder, invalid } from '../config/issues.ts';
import { parseJson, readText } from '../config/json.ts';
import { ProfileFileSchema } from '../config/profile-schema.ts';
import { schemaIssues } from '../config/schema-issues.ts';
import { ProfileError, parseProfile, type MachineProfile } from '../emulator/profile.ts';
import { CliError, EXIT_CODES } from './errors.ts';
import { reportIssues } from './issues.ts';

export function loadProfileFile(file: string, base?: MachineProfile): MachineProfile {
  const read = readText(file);
  if ('reason' in read) throw new CliError(`cannot read profile '${file}': ${read.reason}`, EXIT_CODES.INPUT);
  const json = parseJson(read.text);
  const issues = !json.ok ? json.issues
    : json.value === null || typeof json.value !== 'object' || Array.isArray(json.value)
      ? [{ path: '', message: `a profile is a JSON object of cycle costs, such as {"walkRefCycles": 40} (got ${Array.isArray(json.value) ? 'a list' : JSON.stringify(json.value)})` }]
      : inDocumentOrder(schemaIssues(ProfileFileSchema, json.value), json.value);
  if (issues.length > 0) throw reportIssues(invalid(ConfigError, file, issues), 'nothing run');
  try {
    // From the parsed value: the text may start with a byte-order mark, which JSON.parse refuses.
    return parseProfile(JSON.stringify((json as { value: unknown }).value), base);
  } catch (e) {
    // The schema and parseProfile state the same rules; this is only in case they ever differ.
    if (e instanceof ProfileError) throw new CliError(`${file}: ${e.message}`, EXIT_CODES.INPUT);
    throw e;
  }
}
