/**
 * A reply far over the 256 KB event limit crosses the real bus in parts and arrives whole.
 * EventBridge and SQS are moto's; the management handler's Organizations client is mocked
 * (aws-sdk-client-mock) with 5,000 accounts, because creating and tagging 5,000 accounts
 * in moto takes minutes and would prove nothing more about the transport.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRecorder } from '../../src/audit/recorder.js';
import { MAX_EVENT_BYTES } from '../../src/protocol/parts.js';
import { fakeOrganizations, type FakeAccount } from '../helpers/fake-organizations.js';
import { createTestOrganization, type TestOrganization } from './harness/organization.js';

let org: TestOrganization;

beforeAll(async () => {
  org = await createTestOrganization();
});

afterAll(async () => {
  await org.close();
});

describe('a 5,000-account LIST_ACCOUNTS reply', () => {
  it('arrives whole, every event and message under 256 KB', async () => {
    const management = org.desired.organization.management_account_id;
    const ous = Array.from({ length: 50 }, (_, i) => ({ id: `ou-${i}`, name: `Team ${i}`, parent: 'r-root' }));
    const accounts: FakeAccount[] = Array.from({ length: 5000 }, (_, i) => ({
      id: String(600000000000 + i),
      name: `service-${i}-nonprod-ap-southeast-2`,
      email: `aws+service-${i}@example.com`,
      parent: `ou-${i % 50}`,
      tags: { 'managed-by': 'orgvend', 'orgvend:name': `service-${i}`, 'orgvend:scope': 'dev', 'cost-center': 'platform' },
    }));
    const organizations = fakeOrganizations({ ous, accounts, managementId: management });
    const recorder = new MemoryRecorder();
    const worker = org.startWorker();
    try {
      const before = org.calls.length;
      const result = await org.transport({ recorder }).request('LIST_ACCOUNTS', {});

      expect(result.accounts).toHaveLength(5000);
      const byId = new Map(result.accounts.map((a) => [a.id, a]));
      for (const account of accounts) {
        expect(byId.get(account.id)).toMatchObject({ name: account.name, email: account.email, parent_id: account.parent, tags: account.tags });
      }

      const replies = org.calls
        .slice(before)
        .filter((c) => c.operation === 'PutEvents' && c.account === management)
        .map((c) => (c.input as { Entries: { Source: string; DetailType: string; Detail: string }[] }).Entries[0]!);
      expect(replies.length).toBeGreaterThan(10);
      for (const entry of replies) {
        const bytes = Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
        // The delivered SQS message adds EventBridge's envelope (~300 bytes) to the entry.
        expect(bytes + 1024).toBeLessThan(MAX_EVENT_BYTES);
      }
      const parts = replies.map((r) => JSON.parse(r.Detail) as { part: number; parts: number });
      expect(parts.map((p) => p.part)).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
      expect(new Set(parts.map((p) => p.parts))).toEqual(new Set([parts.length]));
      expect(recorder.entries.filter((e) => e.event === 'reply')).toEqual([expect.objectContaining({ type: 'LIST_ACCOUNTS', outcome: 'ok' })]);
    } finally {
      await worker.stop();
      organizations.restore();
    }
  });
});
