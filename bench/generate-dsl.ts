/** A large but realistic accounts.yml: the example's organization with N workload accounts. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { BENCH_ACCOUNTS_YML } from './repo.js';

const SCOPES = ['dev', 'standard', 'cde'] as const;
const REGIONS = ['ap-southeast-2', 'us-east-1', 'us-west-2'] as const;

export function generateDsl(accounts: number): string {
  const doc = parseDocument(readFileSync(BENCH_ACCOUNTS_YML, 'utf8'));
  doc.setIn(['organization', 'account_name_pattern'], '{name}-{region}');
  for (let i = 0; i < accounts; i++) {
    const name = `svc${String(i).padStart(5, '0')}`;
    const entry: Record<string, unknown> = { service: `service${i % 400}`, scope: SCOPES[i % SCOPES.length], region: REGIONS[i % REGIONS.length] };
    if (i % 5 === 0) entry.tags = { team: `team-${i % 40}` };
    if (i % 7 === 0) entry.allowed_dns_domains = [`${name}.example.com`];
    if (i % 11 === 0) entry.contacts = { operations: { email: `ops-${name}@example.com` } };
    doc.setIn(['accounts', name], doc.createNode(entry));
  }
  return doc.toString();
}

/**
 * The example's organization with `accounts` entries that are each wrong once (a region
 * that does not exist), so every entry is a problem to place at its line.
 */
export function generateInvalidDsl(accounts: number): string {
  const entries = Array.from({ length: accounts }, (_, i) => `  bad${String(i).padStart(6, '0')}:\n    scope: dev\n    region: mars-${i % 9 + 1}\n`);
  return readFileSync(BENCH_ACCOUNTS_YML, 'utf8').replace(/^accounts:\n/m, `accounts:\n${entries.join('')}`);
}
