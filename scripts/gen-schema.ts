// Regenerate schema/accounts.schema.json from the zod schema: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { accountsJsonSchema } from '../src/config/json-schema.js';

writeFileSync(new URL('../schema/accounts.schema.json', import.meta.url), accountsJsonSchema());
console.log('wrote schema/accounts.schema.json');
