import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountsJsonSchema } from '../../../src/config/json-schema.js';
import { exampleText } from '../../helpers/dsl.js';

describe('schema/accounts.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(new URL('../../../schema/accounts.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(accountsJsonSchema());
  });

  it('is referenced from the top of the example accounts.yml for editors', () => {
    expect(exampleText().split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/accounts.schema.json');
  });
});
