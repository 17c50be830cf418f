// Writes policies/policy.schema.json from the zod policy schema, for editors (yaml-language-server).
// Run: npx tsx scripts/generate-policy-schema.ts   (a test fails when the file is out of date)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policyJsonSchema } from '../domain/policy/schema';
import { POLICIES_DIR } from '../policies/index';

export function policySchemaText(): string {
  return `${JSON.stringify({ title: 'Staged attendance-intervention policy', ...policyJsonSchema() }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = join(POLICIES_DIR, 'policy.schema.json');
  writeFileSync(file, policySchemaText());
  console.log(`wrote ${file}`);
}
