/** The handler Lambda's code, packaged as bootstrap uploads it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { packageHandler } from '../../../src/bootstrap/lambda-package.js';
import { BOOTSTRAP_TEMPLATE } from '../../../src/bootstrap/render.js';
import { SHIPPED_TEMPLATES } from '../../helpers/repo.js';

const TEMPLATES = SHIPPED_TEMPLATES;

const BOOTSTRAP_ORG = {
  management_account_id: '111111111111',
  cicd_account_id: '222222222222',
  audit_account_id: '333333333333',
  home_region: 'ap-southeast-2',
  event_bus: 'orgvend-infra',
  event_source: 'app.infra',
  reply_queue: 'orgvend-replies',
};

/** The repository's handler, packaged once for both tests (esbuild takes a second or so). */
let repository: ReturnType<typeof packageHandler>;
beforeAll(() => {
  repository = packageHandler(TEMPLATES);
});

describe('the handler package', () => {
  it('is a reproducible zip whose index.mjs exports the Lambda handler, with the bootstrap template beside it', async () => {
    const first = await repository;
    const second = await packageHandler(TEMPLATES);
    expect(Buffer.from(second.zip).equals(Buffer.from(first.zip))).toBe(true);

    const files = unzipSync(first.zip);
    expect(Object.keys(files).sort()).toEqual([BOOTSTRAP_TEMPLATE, 'index.mjs']);
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-lambda-'));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const module = (await import(join(dir, 'index.mjs'))) as { handler: unknown; configFromEnvironment(): { bootstrap?: { templatesDir: string } } };
    expect(typeof module.handler).toBe('function');
    // The management handler finds the template in its own folder.
    const env = { ORGVEND_ACCOUNT_ID: '111111111111', ORGVEND_ROLES: 'management', ORGVEND_CICD_ACCOUNT_ID: '222222222222', ORGVEND_AUDIT_ACCOUNT_ID: '333333333333', ORGVEND_EVENT_SOURCE: 'app.infra', ORGVEND_EVENT_BUS: 'orgvend-infra', ORGVEND_REQUEST_KEY: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE' };
    for (const [key, value] of Object.entries({ ...env, ORGVEND_BOOTSTRAP: JSON.stringify({ organization: BOOTSTRAP_ORG, lambda: { bucket: 'b', key: 'k', objectVersion: 'v1', version: '1' } }) })) vi.stubEnv(key, value);
    try {
      expect(module.configFromEnvironment().bootstrap?.templatesDir.replace(/\/$/, '')).toBe(dir);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 60_000);

  it('changes when the bootstrap template changes, though the code does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-templates-'));
    writeFileSync(join(dir, BOOTSTRAP_TEMPLATE), 'Resources: {}\n');
    expect((await packageHandler(dir)).sha256).not.toBe((await repository).sha256);
  }, 60_000);
});
