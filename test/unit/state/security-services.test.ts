import { describe, expect, it } from 'vitest';
import { RequestError, TimeoutError } from '../../../src/errors.js';
import type { RequestType } from '../../../src/protocol/requests.js';
import { readSecurityServices } from '../../../src/state/security-services.js';
import type { Transport } from '../../../src/transport/transport.js';
import { desiredOf } from '../../helpers/dsl.js';

const DNS = '500000000002';
const desired = desiredOf([
  [['organization', 'delegated_administrators'], { guardduty: 'dns', securityhub: 'dns', config: 'dns' }],
  [['organization', 'security'], { guardduty: { auto_enable: 'all' }, securityhub: { auto_enable: true }, config: {} }],
]);

/** A transport that answers each type with `answers[type]` (a function of the target), and records what was sent where. */
function transport(answers: Partial<Record<RequestType, (target?: string) => unknown>>) {
  const sent: { type: RequestType; target?: string }[] = [];
  const t: Transport = {
    execute: false,
    async request(type, _payload, options) {
      sent.push({ type, ...(options?.targetAccount ? { target: options.targetAccount } : {}) });
      const answer = answers[type];
      if (!answer) throw new Error(`unexpected ${type}`);
      return answer(options?.targetAccount) as never;
    },
    async close() {},
  };
  return { t, sent };
}

describe('reading the security services', () => {
  it('reads each service in its administrator, and only once GuardDuty and Security Hub name it', async () => {
    const { t, sent } = transport({
      GET_SERVICE_ADMINS: () => ({ services: [{ service: 'guardduty', admins: [] }, { service: 'securityhub', admins: [DNS] }] }),
      GET_SECURITYHUB: () => ({ securityhub: { hub: true, auto_enable: true, auto_enable_standards: 'DEFAULT', configuration_type: 'LOCAL' } }),
      GET_CONFIG_AGGREGATOR: () => ({ aggregator: null }),
    });
    const state = await readSecurityServices(t, desired, { guardduty: DNS, securityhub: DNS, config: DNS });
    expect(state).toEqual({
      admins: { guardduty: { live: [] }, securityhub: { live: [DNS] } },
      securityhub: { live: { hub: true, auto_enable: true, auto_enable_standards: 'DEFAULT', configuration_type: 'LOCAL' } },
      config: { live: null },
    });
    // GuardDuty does not name dns yet: its configuration is not read (only the designation is planned).
    expect(sent.sort((a, b) => a.type.localeCompare(b.type))).toEqual([{ type: 'GET_CONFIG_AGGREGATOR', target: DNS }, { type: 'GET_SECURITYHUB', target: DNS }, { type: 'GET_SERVICE_ADMINS' }]);
  });

  it('says in one line that an administrator whose stack predates organization.security does not serve the request yet, or the emulator lacks the API; other errors stop the read', async () => {
    const { t } = transport({
      GET_SERVICE_ADMINS: () => ({ services: [{ service: 'guardduty', admins: [DNS] }, { service: 'securityhub', admins: [], unsupported: 'moto has no securityhub:ListOrganizationAdminAccounts' }] }),
      GET_GUARDDUTY: () => {
        throw new RequestError('GET_GUARDDUTY', 'n-1', 'unsupported', "GuardDuty's organization configuration is not supported by the local emulator");
      },
      GET_SECURITYHUB: () => {
        throw new RequestError('GET_SECURITYHUB', 'n-2', 'rejected', `GET_SECURITYHUB is not handled in account ${DNS}`, DNS);
      },
      GET_CONFIG_AGGREGATOR: () => ({ aggregator: null }),
    });
    const state = await readSecurityServices(t, desired, { guardduty: DNS, securityhub: DNS, config: DNS });
    expect(state.admins.securityhub).toEqual({ unavailable: 'moto has no securityhub:ListOrganizationAdminAccounts' });
    expect(state.guardduty).toEqual({ unavailable: "GuardDuty's organization configuration is not supported by the local emulator" });
    expect(state.securityhub).toEqual({ unavailable: expect.stringContaining(`the handler of account ${DNS} does not serve GET_SECURITYHUB yet`) });
    const { t: failing } = transport({
      GET_SERVICE_ADMINS: () => ({ services: [{ service: 'guardduty', admins: [DNS] }, { service: 'securityhub', admins: [DNS] }] }),
      GET_GUARDDUTY: () => {
        throw new RequestError('GET_GUARDDUTY', 'n-3', 'failed', 'AccessDenied');
      },
      GET_SECURITYHUB: () => ({ securityhub: { hub: false, auto_enable: null, auto_enable_standards: null, configuration_type: null } }),
      GET_CONFIG_AGGREGATOR: () => ({ aggregator: null }),
    });
    await expect(readSecurityServices(failing, desired, { guardduty: DNS, securityhub: DNS, config: DNS })).rejects.toMatchObject({ code: 'failed' });
  });

  it('says, when the administrator gives no answer, that its stack may predate organization.security (its bus rule does not pass the request on)', async () => {
    const { t } = transport({
      GET_SERVICE_ADMINS: () => ({ services: [{ service: 'guardduty', admins: [] }, { service: 'securityhub', admins: [] }] }),
      GET_CONFIG_AGGREGATOR: () => {
        throw new TimeoutError('GET_CONFIG_AGGREGATOR', 'n-4', 60, 'the handler log');
      },
    });
    const read = readSecurityServices(t, desired, { guardduty: DNS, securityhub: DNS, config: DNS });
    await expect(read).rejects.toBeInstanceOf(TimeoutError);
    await expect(read).rejects.toThrow(
      `GET_CONFIG_AGGREGATOR (nonce n-4) got no complete reply within 60s. Look at the handler log. If account ${DNS}'s orgvend stack predates organization.security.config, its bus does not pass GET_CONFIG_AGGREGATOR to its handler: an administrator runs bootstrap --execute, which gives it the config-admin role`,
    );
  });
});
