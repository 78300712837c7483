/**
 * A first bootstrap, on moto, of an organization that has no request key yet: the plan
 * names the key it would make and makes nothing; applying makes it once, before the
 * stacks, which are then planned with it; the next plan has nothing to do.
 */
import { expect, it } from 'vitest';
import { applyBootstrap, planBootstrap, type BootstrapEnv } from '../../src/bootstrap/bootstrap.js';
import { readRequestKey } from '../../src/bootstrap/request-key.js';
import { parseConfig } from '../../src/config/load.js';
import { REQUEST_KEY_ALIAS } from '../../src/protocol/signature.js';
import { createSandboxOrganization, withSandboxIds } from '../../src/sandbox/organization.js';
import { sandboxFactory } from '../../src/sandbox/sandbox.js';
import type { AwsCall } from '../../src/aws/clients.js';
import { exampleText } from '../helpers/dsl.js';
import { motoEndpoint } from './harness/moto-endpoint.js';
import { SHIPPED_TEMPLATES } from '../helpers/repo.js';

it('is planned as request-key.create, made once by applying, and then planned with', async () => {
  const configured = parseConfig('accounts.yml', exampleText()).desired!;
  const calls: AwsCall[] = [];
  const factory = sandboxFactory(motoEndpoint(), configured.organization.home_region, (call) => calls.push(call));
  const { ids } = await createSandboxOrganization(factory, configured);
  const org = withSandboxIds(configured, ids).organization;
  const env: BootstrapEnv = { organization: org, templatesDir: SHIPPED_TEMPLATES, clientsFor: async (id) => factory.forAccount(id) };
  const cicd = factory.forAccount(org.cicd_account_id);

  const planned = await planBootstrap(env);
  expect(planned.requestKey).toBeUndefined();
  expect(planned.plan.changes.filter((c) => c.type === 'request-key.create')).toEqual([
    { type: 'request-key.create', target: `${REQUEST_KEY_ALIAS} in ${org.cicd_account_id}`, reason: 'missing-in-account', before: null, after: { key_spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' } },
  ]);
  expect(calls.filter((c) => c.service === 'kms' && c.operation !== 'GetPublicKey')).toEqual([]);
  expect(await readRequestKey(cicd)).toBeUndefined();

  const results = await applyBootstrap(env, planned);
  expect(results[REQUEST_KEY_ALIAS]).toBe('created');
  expect(calls.filter((c) => c.operation === 'CreateKey')).toHaveLength(1);
  const key = await readRequestKey(cicd);
  expect(key).toMatch(/^[A-Za-z0-9+/]+=*$/);

  const again = await planBootstrap(env);
  expect(again.requestKey).toBe(key);
  expect(again.plan.changes).toEqual([]);
});
