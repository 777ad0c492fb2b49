// Write schemas/*.schema.json from the TypeBox definitions (config/published.ts):
//
//     node --import tsx scripts/write-schemas.ts
//
// Run it after changing a schema, a parameter or a limit; tests/experiments/schemas.test.ts fails
// until the files are up to date.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLISHED_SCHEMAS, schemaText } from '../config/published.ts';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
fs.mkdirSync(dir, { recursive: true });
for (const entry of PUBLISHED_SCHEMAS) {
  fs.writeFileSync(path.join(dir, entry.file), schemaText(entry));
  console.log(`wrote schemas/${entry.file}`);
}
