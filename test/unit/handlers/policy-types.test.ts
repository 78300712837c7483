/**
 * The policy handlers with a policy_type: each call names the type. Backup policies are
 * proven here, with Organizations mocked (aws-sdk-client-mock), because moto 5.2.1 lacks
 * CreatePolicy for BACKUP_POLICY (it raises NotImplementedError); the other types run on
 * moto in test/integration/sync-policies.test.ts.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  EnablePolicyTypeCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../../../src/handlers/context.js';
import { attachPolicy, enablePolicyType, putPolicy } from '../../../src/handlers/policies.js';
import { handlerContext } from '../../helpers/handler-context.js';

let organizations: ReturnType<typeof mockClient>;
const backups: { Id: string; Name: string; AwsManaged: boolean }[] = [];

beforeEach(() => {
  backups.length = 0;
  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unexpected Organizations command'));
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] }] });
  // Only backup policies are asked for: an SCP of the same name must never be found instead.
  organizations.on(ListPoliciesCommand, { Filter: 'BACKUP_POLICY' }).callsFake(() => ({ Policies: [...backups] }));
  organizations.on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' }).resolves({ Policies: [{ Id: 'p-scp', Name: 'daily', AwsManaged: false }] });
  organizations.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'managed-by', Value: 'orgvend' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-internal', Name: 'Internal' }] });
  organizations.on(EnablePolicyTypeCommand).resolves({});
  organizations.on(CreatePolicyCommand).callsFake(({ Name }) => {
    backups.push({ Id: 'p-backup', Name, AwsManaged: false });
    return { Policy: { PolicySummary: { Id: 'p-backup' } } };
  });
  organizations.on(AttachPolicyCommand).resolves({});
});

afterEach(() => organizations.restore());

const context = (dryrun = false): HandlerContext => handlerContext({ accountId: '111111111111', roles: ['management'] }, { dryrun });
const sent = (command: new (...args: never[]) => unknown) => organizations.commandCalls(command as never).map((c) => c.args[0].input);

describe('policy handlers with a policy_type (backup policies)', () => {
  it('enables the type on the root, once', async () => {
    expect(await enablePolicyType({ policy_type: 'BACKUP_POLICY' }, context(true))).toEqual({ outcome: 'would-enable' });
    expect(sent(EnablePolicyTypeCommand)).toEqual([]);
    expect(await enablePolicyType({ policy_type: 'BACKUP_POLICY' }, context())).toEqual({ outcome: 'enabled' });
    expect(sent(EnablePolicyTypeCommand)).toEqual([{ RootId: 'r-root', PolicyType: 'BACKUP_POLICY' }]);
    // SCPs are enabled already: a request without policy_type is about them.
    expect(await enablePolicyType({}, context())).toEqual({ outcome: 'already-enabled' });
  });

  it('creates a backup policy of that type, though an SCP has its name, and attaches it', async () => {
    const content = '{"plans":{"daily":{"regions":{"@@assign":["us-east-1"]}}}}';
    const put = await putPolicy({ name: 'daily', description: 'd', content, tags: { 'managed-by': 'orgvend' }, policy_type: 'BACKUP_POLICY' }, context());
    expect(put).toEqual({ policy_id: 'p-backup', outcome: 'created' });
    expect(sent(CreatePolicyCommand)).toEqual([expect.objectContaining({ Name: 'daily', Type: 'BACKUP_POLICY', Content: content })]);
    expect(await attachPolicy({ name: 'daily', target: 'Internal', policy_type: 'BACKUP_POLICY' }, context())).toEqual({ outcome: 'attached' });
    expect(sent(AttachPolicyCommand)).toEqual([{ PolicyId: 'p-backup', TargetId: 'ou-internal' }]);
  });
});
