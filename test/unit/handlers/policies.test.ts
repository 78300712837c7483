/**
 * ATTACH_POLICY, DETACH_POLICY and DELETE_POLICY attacked: each aimed at a policy orgvend
 * did not make. Organizations is mocked (aws-sdk-client-mock) so that every command the
 * handler sends is recorded.
 */
import {
  AttachPolicyCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandlerError, type HandlerContext } from '../../../src/handlers/context.js';
import { attachPolicy, deletePolicy, detachPolicy } from '../../../src/handlers/policies.js';
import { handlerContext } from '../../helpers/handler-context.js';
import { isMutating } from '../../helpers/mutating.js';

const POLICIES = [
  { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess', AwsManaged: true },
  { Id: 'p-awsother', Name: 'AWSOtherManaged', AwsManaged: true },
  { Id: 'p-ours', Name: 'deny-leave', AwsManaged: false },
  { Id: 'p-theirs', Name: 'security-team-guardrails', AwsManaged: false },
  { Id: 'p-lookalike', Name: 'lookalike', AwsManaged: false },
];
const TAGS: Record<string, Record<string, string>> = {
  'p-ours': { 'managed-by': 'orgvend', 'orgvend:policy': 'deny-leave' },
  'p-theirs': { owner: 'security' },
  // orgvend's other tags, without the one that says orgvend made it.
  'p-lookalike': { 'orgvend:policy': 'lookalike' },
};

let organizations: ReturnType<typeof mockClient>;

beforeEach(() => {
  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unexpected Organizations command'));
  organizations.on(ListPoliciesCommand).resolves({ Policies: POLICIES });
  organizations.on(ListTagsForResourceCommand).callsFake(({ ResourceId }) => ({ Tags: Object.entries(TAGS[ResourceId] ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-internal', Name: 'Internal' }] });
  organizations.on(AttachPolicyCommand).resolves({});
  organizations.on(DetachPolicyCommand).resolves({});
  organizations.on(DeletePolicyCommand).resolves({});
});

afterEach(() => organizations.restore());

const context = (dryrun = false): HandlerContext => handlerContext({ accountId: '111111111111', roles: ['management'] }, { dryrun });
const mutating = () => organizations.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')).filter(isMutating);

async function refusal(promise: Promise<unknown>): Promise<HandlerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  expect((error as HandlerError).code).toBe('rejected');
  return error as HandlerError;
}

describe('the policies orgvend acts on', () => {
  it("attaches and detaches its own policies and AWS's FullAWSAccess, and deletes its own (what the refusals below are measured against)", async () => {
    for (const name of ['deny-leave', 'FullAWSAccess']) {
      expect(await attachPolicy({ name, target: 'Internal' }, context())).toEqual({ outcome: 'attached' });
      expect(await detachPolicy({ name, target: 'Internal' }, context())).toEqual({ outcome: 'detached' });
    }
    expect(await deletePolicy({ name: 'deny-leave' }, context())).toEqual({ outcome: 'deleted' });
    expect(mutating()).toEqual(['AttachPolicy', 'DetachPolicy', 'AttachPolicy', 'DetachPolicy', 'DeletePolicy']);
  });

  const foreign = [
    ['a policy someone else made', 'security-team-guardrails', 'was not made by orgvend (no tag managed-by=orgvend)'],
    ['a policy with orgvend-like tags but no managed-by', 'lookalike', 'was not made by orgvend (no tag managed-by=orgvend)'],
    ['an AWS-managed policy other than FullAWSAccess', 'AWSOtherManaged', 'is a policy managed by AWS'],
  ] as const;

  it.each(foreign)('ATTACH_POLICY and DETACH_POLICY refuse %s, dry runs too, and send nothing that changes anything', async (_what, name, why) => {
    for (const dryrun of [false, true]) {
      expect((await refusal(attachPolicy({ name, target: 'Root' }, context(dryrun)))).message).toBe(`${name} ${why}; orgvend attaches only its own policies and FullAWSAccess`);
      expect((await refusal(detachPolicy({ name, target: 'Internal' }, context(dryrun)))).message).toBe(`${name} ${why}; orgvend detaches only its own policies and FullAWSAccess`);
    }
    expect(mutating()).toEqual([]);
  });

  it.each([...foreign, ['FullAWSAccess', 'FullAWSAccess', '']] as const)('DELETE_POLICY refuses %s, dry runs too, and sends nothing that changes anything', async (_what, name) => {
    for (const dryrun of [false, true]) {
      expect((await refusal(deletePolicy({ name }, context(dryrun)))).message).toBe(`${name} was not made by orgvend; orgvend deletes only its own policies`);
    }
    expect(mutating()).toEqual([]);
  });
});
