// The JSON Schemas vmmlab publishes in schemas/, made from the TypeBox definitions that also
// validate the files, so that an editor and vmmlab agree on what a file may hold. Each shipped
// study names its schema with `"$schema": "../../schemas/study.schema.json"`, which works in the
// checkout and in the installed package alike (guest-programs/ and schemas/ sit side by side).
//
// scripts/write-schemas.ts writes the files; tests/experiments/schemas.test.ts fails when the
// committed files differ from what this module makes.

import type { TSchema } from '@sinclair/typebox';
import { MachineFileSchema } from './machine-schema.ts';
import { ProfileFileSchema } from './profile-schema.ts';
import { StudyFileSchema } from './study-schema.ts';

export interface PublishedSchema {
  /** The file in schemas/. */
  readonly file: string;
  readonly schema: TSchema;
}

export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  { file: 'study.schema.json', schema: StudyFileSchema },
  { file: 'machine.schema.json', schema: MachineFileSchema },
  { file: 'profile.schema.json', schema: ProfileFileSchema },
];

/**
 * The file's text: draft-07 (what editors know best), an `$id` naming vmmlab's schema (a URN: it
 * identifies, it is not fetched), then the definition. TypeBox's own markers are symbols, which
 * JSON leaves out.
 */
export function schemaText(entry: PublishedSchema): string {
  const document = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:vmmlab:schema:${entry.file.replace(/\.schema\.json$/, '')}`,
    ...entry.schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
