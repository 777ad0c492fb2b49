// TypeBox's errors as issues a user can act on: "must be a power of two from 1 to 65536 (got
// 2147483648)", "unknown key 'tlbSize'; did you mean 'tlbEntries'?". A schema node may carry
// `errorMessage` (a keyword VS Code shows too) to say what it takes in the user's terms; other
// messages are made from the schema's own bounds.

import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { closestName } from '../assembler/diagnostics.ts';
import { preview, unescapeKey, type Issue } from './issues.ts';

/** At most this many issues per file: a list of a million bad values is not a million lines. */
export const MAX_ISSUES = 50;

const KIND_NAMES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.Integer]: 'a whole number',
  [ValueErrorType.Number]: 'a number',
  [ValueErrorType.String]: 'a string',
  [ValueErrorType.Boolean]: 'true or false',
  [ValueErrorType.Array]: 'a list',
  [ValueErrorType.Object]: 'an object',
};

/** Known keys for a message: `insn.add`, `insn.sub`… read as one `insn.<…>`. */
function knownList(keys: readonly string[]): string {
  const shown = new Set(keys.map((k) => (k.includes('.') ? `${k.slice(0, k.indexOf('.'))}.<…>` : k)));
  return [...shown].join(', ');
}

function firstRepeat(values: readonly unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const v of values) {
    const text = JSON.stringify(v);
    if (seen.has(text)) return text;
    seen.add(text);
  }
  return undefined;
}

function describe(error: ValueError): string {
  const s = error.schema as Record<string, unknown>;
  const got = ` (got ${preview(error.value)})`;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = unescapeKey(error.path.slice(error.path.lastIndexOf('/') + 1));
      const known = Object.keys((s.properties ?? {}) as object).filter((k) => k !== '$schema');
      const hint = closestName(key, known);
      return `unknown key '${key}'${hint ? `; did you mean '${hint}'?` : ` (known: ${knownList(known)})`}`;
    }
    case ValueErrorType.ArrayUniqueItems: {
      return `lists ${firstRepeat(error.value as unknown[]) ?? 'a value'} twice`;
    }
    case ValueErrorType.ArrayMinItems:
      return s.minItems === 1 ? 'must not be empty' : `must list at least ${s.minItems as number} values`;
    case ValueErrorType.ArrayMaxItems:
      return `must list at most ${s.maxItems as number} values (got ${(error.value as unknown[]).length})`;
    default:
      break;
  }
  if (typeof s.errorMessage === 'string') return s.errorMessage + got;
  switch (error.type) {
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${s.minimum as number}${got}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${s.maximum as number}${got}`;
    case ValueErrorType.StringMinLength:
      return s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength as number} characters${got}`;
    case ValueErrorType.StringMaxLength:
      return `must have at most ${s.maxLength as number} characters${got}`;
    case ValueErrorType.Literal:
      return `must be ${preview(s.const)}${got}`;
    case ValueErrorType.Union: {
      const choices = ((s.anyOf ?? []) as { const?: unknown }[]).map((c) => c.const);
      if (choices.length > 0 && choices.every((c) => c !== undefined)) return `must be ${choices.map((c) => preview(c)).join(', ')}${got}`;
      return `is not valid${got}`;
    }
    default: {
      const kind = KIND_NAMES[error.type];
      return kind ? `must be ${kind}${got}` : `${error.message.toLowerCase()}${got}`;
    }
  }
}

/**
 * Every way `value` fails `schema` (the first MAX_ISSUES), one issue per path: TypeBox reports a
 * missing property twice (required, then the wrong type), and the first says it best.
 */
export function schemaIssues(schema: TSchema, value: unknown, base = ''): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    if (issues.length === MAX_ISSUES) {
      issues.push({ path: '', message: `more errors not shown (the first ${MAX_ISSUES} are above)`, more: true });
      break;
    }
    issues.push({ path: base + error.path, message: describe(error) });
  }
  return issues;
}

