/** Scratch repositories (accounts.yml, scps/, templates/) for tests that read files. */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function scratchRepo(files: Record<string, string>, options: { templates?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-repo-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (options.templates) cpSync(new URL('../../templates', import.meta.url).pathname, join(dir, 'templates'), { recursive: true });
  return dir;
}

export const policy = (statements: object[]) => `${JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2)}\n`;
export const denyLeave = policy([{ Sid: 'DenyLeave', Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }]);
