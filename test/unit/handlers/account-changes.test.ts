/**
 * The management handler's account changes attacked: each request below is one CI (or
 * whoever can put a request on the bus) could send, aimed at an account orgvend must not
 * change. Organizations is mocked (aws-sdk-client-mock) so that every command the handler
 * sends is recorded, and the core accounts carry orgvend's managed tags, as an account
 * sync-accounts once adopted would: they are refused for what they are, not for their tags.
 */
import {
  CloseAccountCommand,
  DescribeAccountCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAccount, moveAccount, recordApplied, retireAccount, tagAccount } from '../../../src/handlers/account-changes.js';
import { HandlerError, type HandlerContext } from '../../../src/handlers/context.js';
import { REQUESTS } from '../../../src/protocol/requests.js';
import { handlerContext } from '../../helpers/handler-context.js';
import { isMutating } from '../../helpers/mutating.js';

const MANAGEMENT = '111111111111';
const CICD = '222222222222';
const AUDIT = '333333333333';
const DELEGATED = '444444444444';
const MANAGED = '500000000001';
const UNMANAGED = '500000000002';

const managedTags = (name: string) => ({ 'managed-by': 'orgvend', 'orgvend:name': name });
const TAGS: Record<string, Record<string, string>> = {
  [CICD]: managedTags('cicd'),
  [AUDIT]: managedTags('audit'),
  [DELEGATED]: managedTags('delegated'),
  [MANAGED]: managedTags('foo'),
  [UNMANAGED]: { team: 'legacy' },
  [MANAGEMENT]: {},
};

let organizations: ReturnType<typeof mockClient>;

beforeEach(() => {
  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unexpected Organizations command'));
  organizations.on(ListTagsForResourceCommand).callsFake(({ ResourceId }) => ({ Tags: Object.entries(TAGS[ResourceId] ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-morgue', Name: 'Morgue' }] });
  organizations.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
  organizations.on(DescribeAccountCommand).resolves({ Account: { State: 'ACTIVE' } });
  organizations.on(MoveAccountCommand).resolves({});
  organizations.on(TagResourceCommand).resolves({});
  organizations.on(UntagResourceCommand).resolves({});
  organizations.on(CloseAccountCommand).resolves({});
});

afterEach(() => organizations.restore());

const context = (dryrun = false): HandlerContext => handlerContext({ accountId: MANAGEMENT, roles: ['management'], delegatedAdminAccountId: DELEGATED, hasDelegatedAdmin: true }, { dryrun });

/** The commands sent that change something, by operation name. */
const mutating = () => organizations.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')).filter(isMutating);

/** The handler's refusal: its code and message. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HandlerError);
  return { code: (error as HandlerError).code, message: (error as Error).message };
}

const requests = {
  MOVE_ACCOUNT: (id: string, c: HandlerContext) => moveAccount({ account_id: id, name: 'x', ou_path: 'Morgue' }, c),
  RETIRE_ACCOUNT: (id: string, c: HandlerContext) => retireAccount({ account_id: id, name: 'x', morgue_path: 'Morgue', tags: { 'orgvend:lifecycle': 'retired' } }, c),
  CLOSE_ACCOUNT: (id: string, c: HandlerContext) => closeAccount({ account_id: id, name: 'x' }, c),
};

describe('MOVE_ACCOUNT, RETIRE_ACCOUNT and CLOSE_ACCOUNT', () => {
  it('move, retire and close an account orgvend manages (what the refusals below are measured against)', async () => {
    expect(await requests.MOVE_ACCOUNT(MANAGED, context())).toMatchObject({ outcome: 'moved' });
    expect(await requests.RETIRE_ACCOUNT(MANAGED, context())).toMatchObject({ outcome: 'retired' });
    expect(await requests.CLOSE_ACCOUNT(MANAGED, context())).toEqual({ outcome: 'closed' });
    expect(mutating()).toEqual(['MoveAccount', 'MoveAccount', 'TagResource', 'CloseAccount']);
  });

  const cases = Object.keys(requests).flatMap((type) =>
    [false, true].flatMap((dryrun) =>
      (
        [
          ['the management account', MANAGEMENT, 'is the management account'],
          ['the CICD account', CICD, "is the CICD account, one of orgvend's core accounts"],
          ['the audit account', AUDIT, "is the audit account, one of orgvend's core accounts"],
          ['the delegated administrator', DELEGATED, "is the delegated administrator, one of orgvend's core accounts"],
          ['an account orgvend does not manage', UNMANAGED, 'is not tagged as managed by orgvend (managed-by=orgvend and orgvend:name)'],
        ] as const
      ).map(([what, id, message]) => ({ type: type as keyof typeof requests, dryrun, what, id, message })),
    ),
  );

  it.each(cases)('$type refuses $what (dry run: $dryrun) and sends nothing that changes anything', async ({ type, dryrun, id, message }) => {
    const { code, message: said } = await refusal(requests[type](id, context(dryrun)));
    expect(code).toBe('rejected');
    expect(said).toContain(`account ${id} ${message}`);
    expect(mutating()).toEqual([]);
  });
});

describe('TAG_ACCOUNT', () => {
  const tag = (id: string, set: Record<string, string>, remove: string[] = [], dryrun = false) => tagAccount({ account_id: id, name: 'x', set, remove }, context(dryrun));

  it("tags an account orgvend manages, and adopts an untagged one when the request sets orgvend's identifying tags", async () => {
    expect(await tag(MANAGED, { 'cost-center': 'platform' })).toMatchObject({ outcome: 'tagged', set: ['cost-center'] });
    expect(await tag(UNMANAGED, { ...managedTags('legacy'), 'cost-center': 'platform' })).toMatchObject({ outcome: 'tagged' });
    expect(mutating()).toEqual(['TagResource', 'TagResource']);
  });

  it.each([
    ['the management account', MANAGEMENT],
    ['the CICD account', CICD],
    ['the audit account', AUDIT],
    ['the delegated administrator', DELEGATED],
  ])('refuses %s, even to set the identifying tags, and sends nothing that changes anything', async (_what, id) => {
    for (const dryrun of [false, true]) {
      expect((await refusal(tag(id, managedTags('x'), [], dryrun))).code).toBe('rejected');
    }
    expect(mutating()).toEqual([]);
  });

  it('refuses to tag an account orgvend does not manage unless the request adopts it', async () => {
    for (const set of [{ 'cost-center': 'platform' }, { 'managed-by': 'orgvend' }, { 'orgvend:name': 'legacy' }] as Record<string, string>[]) {
      const { code, message } = await refusal(tag(UNMANAGED, set));
      expect(code).toBe('rejected');
      expect(message).toBe(
        `account ${UNMANAGED} is not managed by orgvend, and the request does not adopt it (set managed-by=orgvend and orgvend:name); orgvend tags only accounts it manages or adopts`,
      );
    }
    expect((await refusal(tag(UNMANAGED, {}, ['team']))).code).toBe('rejected');
    expect(mutating()).toEqual([]);
  });

  it('refuses tags that would give up a managed account, and the bootstrap tag, which only bootstrap sets', async () => {
    expect((await refusal(tag(MANAGED, {}, ['managed-by']))).message).toContain('would leave account 500000000001 no longer managed by orgvend');
    expect((await refusal(tag(MANAGED, { 'managed-by': 'someone-else' }))).code).toBe('rejected');
    expect((await refusal(tag(MANAGED, { 'orgvend:bootstrap': 'forged' }))).message).toBe('orgvend:bootstrap on account 500000000001 is set by bootstrap alone, never by TAG_ACCOUNT');
    expect((await refusal(tag(MANAGED, {}, ['orgvend:bootstrap']))).code).toBe('rejected');
    expect((await refusal(tag(MANAGED, { 'orgvend:applied': 'f'.repeat(32) }))).message).toBe('orgvend:applied on account 500000000001 is set by RECORD_APPLIED alone, never by TAG_ACCOUNT');
    expect((await refusal(tag(MANAGED, {}, ['orgvend:applied']))).code).toBe('rejected');
    expect((await refusal(tag(MANAGED, { 'orgvend:applied-contacts': 'f'.repeat(32) }))).message).toBe('orgvend:applied-contacts on account 500000000001 is set by RECORD_APPLIED alone, never by TAG_ACCOUNT');
    expect((await refusal(tag(MANAGED, {}, ['orgvend:applied-regions']))).code).toBe('rejected');
    expect(mutating()).toEqual([]);
  });
});

describe('RECORD_APPLIED', () => {
  const FINGERPRINT = 'f'.repeat(32);
  const record = (ids: string[], c = context()) => recordApplied({ accounts: ids.map((account_id) => ({ account_id, fingerprint: FINGERPRINT })) }, c);

  it('tags a managed account with its fingerprint, that tag alone, and does nothing in a dry run', async () => {
    expect(await record([MANAGED], context(true))).toEqual({ recorded: [MANAGED], outcome: 'would-record' });
    expect(mutating()).toEqual([]);
    expect(await record([MANAGED])).toEqual({ recorded: [MANAGED], outcome: 'recorded' });
    expect(organizations.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceId: MANAGED, Tags: [{ Key: 'orgvend:applied', Value: FINGERPRINT }] }]);
  });

  it("tags put-contacts' and enable-region's tag when the request names it, and no tag but orgvend's applied tags", async () => {
    const accounts = [{ account_id: MANAGED, fingerprint: FINGERPRINT }];
    expect(await recordApplied({ tag: 'orgvend:applied-contacts', accounts }, context())).toEqual({ recorded: [MANAGED], outcome: 'recorded' });
    expect(organizations.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceId: MANAGED, Tags: [{ Key: 'orgvend:applied-contacts', Value: FINGERPRINT }] }]);
    expect(REQUESTS.RECORD_APPLIED.payload.safeParse({ tag: 'managed-by', accounts }).success).toBe(false);
    expect(REQUESTS.RECORD_APPLIED.payload.safeParse({ tag: 'orgvend:applied-regions', accounts }).success).toBe(true);
  });

  it('refuses the management and core accounts and an unmanaged one, and then tags no account of the request', async () => {
    for (const id of [MANAGEMENT, CICD, AUDIT, DELEGATED, UNMANAGED]) expect((await refusal(record([MANAGED, id]))).code).toBe('rejected');
    expect(mutating()).toEqual([]);
  });
});
