// Writes policies/policy.schema.json from the zod policy schema, for editors (yaml-language-server).
// Run: npm run policy:schema   (a test fails when the file is out of date)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policySchemaText } from '../domain/policy/schema';
import { POLICIES_DIR } from '../policies/index';

const file = join(POLICIES_DIR, 'policy.schema.json');
writeFileSync(file, policySchemaText());
console.log(`wrote ${file}`);
