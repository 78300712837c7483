/**
 * The handler runtime on its own, without a bus: events shaped as EventBridge delivers
 * them, signed with a test request key, go to `dispatch`. Organizations is mocked
 * (aws-sdk-client-mock) with a paging fake; the nonce ledger is an in-memory one with the
 * DynamoDB ledger's contract (the integration tests use the table on moto).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRecorder } from '../../../src/audit/recorder.js';
import { ClientFactory } from '../../../src/aws/clients.js';
import type { HandlerConfig } from '../../../src/handlers/context.js';
import { dispatch, handleEvent } from '../../../src/handlers/dispatch.js';
import { MAX_ACCOUNTS_READ, type AccountRole } from '../../../src/protocol/requests.js';
import { InProcessTransport } from '../../../src/transport/in-process.js';
import type { RequestLedger, StoredOutcome } from '../../../src/handlers/ledger.js';
import { fakeOrganizations } from '../../helpers/fake-organizations.js';
import { testRequestKey } from '../../helpers/request-key.js';

const MANAGEMENT = '111111111111';
const CICD = '222222222222';
const MEMBER = '444444444444';

const factory = new ClientFactory({ region: 'ap-southeast-2', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } });

function config(overrides: Partial<HandlerConfig> = {}): HandlerConfig {
  return {
    accountId: MANAGEMENT,
    roles: ['management'],
    cicdAccountId: CICD,
    auditAccountId: '333333333333',
    eventSource: 'app.infra',
    eventBus: 'orgvend-infra',
    hasDelegatedAdmin: false,
    requestKey: KEY.publicKey,
    handlerVersion: 'unit',
    ...overrides,
  };
}

const KEY = testRequestKey();
/** One account's entry in READ_ACCOUNTS: its parameters. */
const readEntry = (account: string) => ({ account_id: account, parameters: true, stacks: [] });
const NOW = new Date('2026-11-23T00:00:00Z');
const context = (c = config(), now = NOW, ledger?: RequestLedger) => ({ config: c, clients: factory.forAccount(undefined), now: () => now, ...(ledger ? { ledger } : {}) });

/** An event as the CICD account sends it (signed), with `extra` changed after signing. */
function event(type: string, detail: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, source = 'app.infra') {
  const unsigned = {
    source,
    'detail-type': type,
    account: CICD,
    detail: { nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', dryrun: true, sent_at: '2026-11-23T00:00:00.000Z', sender: CICD, payload: {}, ...detail },
  };
  return { ...KEY.signed(unsigned), ...extra };
}

/** The DynamoDB ledger's contract, in memory. */
function memoryLedger(): RequestLedger & { claims: string[] } {
  const entries = new Map<string, StoredOutcome | 'running'>();
  const claims: string[] = [];
  return {
    claims,
    async claim(nonce) {
      claims.push(nonce);
      const entry = entries.get(nonce);
      if (entry === undefined) {
        entries.set(nonce, 'running');
        return { state: 'new' };
      }
      return entry === 'running' ? { state: 'running' } : { state: 'done', outcome: entry };
    },
    async finish(nonce, outcome) {
      entries.set(nonce, outcome);
    },
  };
}

const tree = {
  ous: [
    { id: 'ou-int', name: 'Internal', parent: 'r-root' },
    { id: 'ou-dev', name: 'Dev', parent: 'ou-int' },
    { id: 'ou-std', name: 'Standard', parent: 'ou-int' },
    { id: 'ou-cde', name: 'CDE', parent: 'ou-int' },
    { id: 'ou-morgue', name: 'Morgue', parent: 'r-root' },
  ],
  accounts: [
    { id: MANAGEMENT, name: 'management', email: 'root@example.com', parent: 'r-root' },
    { id: '500000000001', name: 'foo', email: 'aws+foo@example.com', parent: 'ou-dev', tags: { 'managed-by': 'orgvend', 'orgvend:name': 'foo', a: '1', b: '2', c: '3' } },
    { id: '500000000002', name: 'bar', email: 'aws+bar@example.com', parent: 'ou-dev' },
    { id: '500000000003', name: 'baz', email: 'aws+baz@example.com', parent: 'ou-dev' },
    { id: '500000000004', name: 'old', email: 'aws+old@example.com', parent: 'ou-morgue' },
  ],
};

let mock: ReturnType<typeof fakeOrganizations> | undefined;
afterEach(() => mock?.restore());

describe('dispatch', () => {
  it('answers PING with the account it runs in', async () => {
    expect(await dispatch(event('PING', { target_account: MANAGEMENT }), context(), 60_000)).toEqual({
      status: 'ok',
      type: 'PING',
      nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d',
      result: { account_id: MANAGEMENT, handler_version: 'unit' },
    });
  });

  it.each([
    ['a wrong source', event('PING', { target_account: MANAGEMENT }, { source: 'app.other' }), 'source "app.other" is neither app.infra nor app.infra.plan'],
    ['the reply source', event('PING', { target_account: MANAGEMENT }, {}, 'app.infra.reply'), 'source "app.infra.reply" is neither'],
    ['a plan request whose source was made the organization\'s after signing', event('LIST_OUS', {}, { source: 'app.infra' }, 'app.infra.plan'), 'did not send it'],
    ['no sender account', event('PING', { target_account: MANAGEMENT }, { account: undefined }), 'carries no sender account'],
    ['a sender that is not the CICD account', event('PING', { target_account: MANAGEMENT }, { account: MEMBER }), `sender account ${MEMBER} is not the CICD account`],
    ['a nonce that is not a UUID', event('LIST_OUS', { nonce: 'x' }), 'malformed request: nonce'],
    ['something that is not an event', 'hello', 'not an EventBridge event'],
  ])('refuses %s, and does not answer what it cannot tell the CICD account sent', async (_name, raw, message) => {
    mock = fakeOrganizations(tree);
    const outcome = await dispatch(raw, context(), 60_000);
    expect(outcome).toMatchObject({ status: 'error', nonce: undefined, error: { code: 'rejected', message: expect.stringContaining(message) } });
    expect(mock.calls()).toHaveLength(0);
  });

  it.each([
    ['a claimed sender that is not the CICD account', event('PING', { target_account: MANAGEMENT, sender: MEMBER }), `sender ${MEMBER} is not the CICD account`],
    ['an unknown type', event('CLOSE_EVERYTHING'), 'unknown request type CLOSE_EVERYTHING'],
    ['a request for another account', event('PING', { target_account: MEMBER }), `targets account ${MEMBER}, not ${MANAGEMENT}`],
    ['a by-type request with a target', event('LIST_OUS', { target_account: MANAGEMENT }), 'routed by type and takes no target_account'],
    ['a payload with extra keys', event('LIST_OUS', { payload: { all: true } }), 'invalid payload'],
    ['READ_ACCOUNTS claimed from another sender', event('READ_ACCOUNTS', { sender: MEMBER, payload: { accounts: [readEntry(MEMBER)] } }), `sender ${MEMBER} is not the CICD account`],
    ['READ_ACCOUNTS of an account id that is not 12 digits', event('READ_ACCOUNTS', { payload: { accounts: [readEntry('44444444444')] } }), 'invalid payload: accounts.0.account_id'],
    ['READ_ACCOUNTS of a stack orgvend does not deploy', event('READ_ACCOUNTS', { payload: { accounts: [{ ...readEntry(MEMBER), stacks: [{ stack: 'orgvend-bootstrap', region: 'ap-southeast-2' }] }] } }), 'invalid payload: accounts.0.stacks.0.stack'],
    ['READ_ACCOUNTS that reads nothing', event('READ_ACCOUNTS', { payload: { accounts: [{ ...readEntry(MEMBER), parameters: false }] } }), 'parameters, public access block, Config recorders, stacks or owned stacks to read'],
    ['READ_ACCOUNTS of no accounts', event('READ_ACCOUNTS', { payload: { accounts: [] } }), 'invalid payload: accounts'],
    [`READ_ACCOUNTS of more than ${MAX_ACCOUNTS_READ} accounts`, event('READ_ACCOUNTS', { payload: { accounts: Array.from({ length: MAX_ACCOUNTS_READ + 1 }, () => readEntry(MEMBER)) } }), 'invalid payload: accounts'],
    ['READ_ACCOUNTS addressed to an account', event('READ_ACCOUNTS', { target_account: MEMBER, payload: { accounts: [readEntry(MEMBER)] } }), 'routed by type and takes no target_account'],
  ])('refuses %s, answering the signed request', async (_name, raw, message) => {
    mock = fakeOrganizations(tree);
    const outcome = await dispatch(raw, context(), 60_000);
    expect(outcome).toMatchObject({ status: 'error', nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', error: { code: 'rejected', message: expect.stringContaining(message) } });
    expect(mock.calls()).toHaveLength(0);
  });

  describe('a request the CICD account did not sign (written straight onto the queue: docs/SECURITY.md)', () => {
    const forged = (detail: Record<string, unknown>) => ({ source: 'app.infra', 'detail-type': 'CLOSE_ACCOUNT', account: CICD, detail });
    const close = { nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', dryrun: false, sent_at: NOW.toISOString(), sender: CICD, payload: { account_id: '500000000001', name: 'foo' } };
    const otherKey = testRequestKey();

    it.each([
      ['without a signature', forged(close), 'malformed request: signature'],
      ['signed with another key', otherKey.signed(forged(close)), 'did not send it'],
      ['whose payload was changed after signing', { ...event('CLOSE_ACCOUNT', close), detail: { ...event('CLOSE_ACCOUNT', close).detail, payload: { account_id: '500000000002', name: 'bar' } } }, 'did not send it'],
      ['whose dryrun was turned off after signing', { ...event('CLOSE_ACCOUNT', { ...close, dryrun: true }), detail: { ...event('CLOSE_ACCOUNT', { ...close, dryrun: true }).detail, dryrun: false } }, 'did not send it'],
      ['signed for another type', { ...event('PING', close), 'detail-type': 'CLOSE_ACCOUNT' }, 'did not send it'],
    ])('is refused %s, unanswered, before anything is read', async (_name, raw, message) => {
      mock = fakeOrganizations(tree);
      const outcome = await dispatch(raw, context(), 60_000);
      expect(outcome).toMatchObject({ status: 'error', nonce: undefined, error: { code: 'rejected', message: expect.stringContaining(message) } });
      expect(mock.calls()).toHaveLength(0);
    });

    it('is refused by a handler that was given no request key (fail closed)', async () => {
      const outcome = await dispatch(event('PING', { target_account: MANAGEMENT }), context(config({ requestKey: undefined })), 60_000);
      expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining('no request key') } });
    });
  });

  describe('a request that comes again (a redelivery, a DLQ redrive, a replay)', () => {
    const tag = (nonce: string) => ({ nonce, dryrun: false, sent_at: NOW.toISOString(), payload: { account_id: '500000000001', name: 'foo', set: { team: 'a' }, remove: [] } });

    it('is refused once older than its type\'s timeout, and never acted on', async () => {
      mock = fakeOrganizations(tree);
      const later = new Date(NOW.getTime() + 121_000); // TAG_ACCOUNT waits 120 s
      const outcome = await dispatch(event('TAG_ACCOUNT', tag('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d')), context(config(), later, memoryLedger()), 60_000);
      expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining("older than TAG_ACCOUNT's timeout of 120s") } });
      expect(mock.calls()).toHaveLength(0);
    });

    it('CREATE_ACCOUNT, redelivered after its own timeout (no CLI waits for it any more), is refused and creates nothing', async () => {
      mock = fakeOrganizations(tree);
      const later = new Date(NOW.getTime() + 901_000); // CREATE_ACCOUNT waits 900 s
      const create = { nonce: '0b6f2a52-3c38-4d8e-9a55-0d1c4a1b2c3d', dryrun: false, sent_at: NOW.toISOString(), payload: { name: 'foo', aws_name: 'foo-nonprod', email: 'aws+foo@example.com', ou_path: 'Internal/Dev', tags: { 'orgvend:name': 'foo' } } };
      const outcome = await dispatch(event('CREATE_ACCOUNT', create), context(config(), later, memoryLedger()), 60_000);
      expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining("older than CREATE_ACCOUNT's timeout of 900s") } });
      expect(mock.calls()).toHaveLength(0);
    });

    it('is refused when sent from further in the future than clocks drift', async () => {
      const earlier = new Date(NOW.getTime() - 6 * 60_000);
      const outcome = await dispatch(event('PING', { target_account: MANAGEMENT }), context(config(), earlier), 60_000);
      expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining('in the future') } });
    });

    it('gets the first answer again without acting twice', async () => {
      mock = fakeOrganizations(tree);
      const { TagResourceCommand } = await import('@aws-sdk/client-organizations');
      mock.on(TagResourceCommand).resolves({});
      const ledger = memoryLedger();
      const request = event('TAG_ACCOUNT', tag('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d'));
      const first = await dispatch(request, context(config(), NOW, ledger), 60_000);
      expect(first).toMatchObject({ status: 'ok', result: { outcome: 'tagged' } });
      const writes = () => mock!.commandCalls(TagResourceCommand).length;
      expect(writes()).toBe(1);
      const second = await dispatch(request, context(config(), NOW, ledger), 60_000);
      expect(second).toEqual(first);
      expect(writes()).toBe(1);
    });

    it('is dropped unanswered while its first delivery is still being handled', async () => {
      mock = fakeOrganizations(tree);
      const ledger = memoryLedger();
      await ledger.claim('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', 'TAG_ACCOUNT', NOW.getTime());
      const outcome = await dispatch(event('TAG_ACCOUNT', tag('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d')), context(config(), NOW, ledger), 60_000);
      expect(outcome).toEqual({ status: 'duplicate', type: 'TAG_ACCOUNT', nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d' });
      expect(mock.calls()).toHaveLength(0);
    });

    it('is not recorded when it changes nothing (a read, a dry run)', async () => {
      mock = fakeOrganizations(tree);
      const ledger = memoryLedger();
      await dispatch(event('LIST_OUS'), context(config(), NOW, ledger), 60_000);
      await dispatch(event('TAG_ACCOUNT', { ...tag('6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d'), dryrun: true }), context(config(), NOW, ledger), 60_000);
      expect(ledger.claims).toEqual([]);
    });
  });

  describe('a request with the plan source (what the plan role may put: docs/SECURITY.md)', () => {
    const PLAN = 'app.infra.plan';
    const tag = { nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', dryrun: false, sent_at: NOW.toISOString(), payload: { account_id: '500000000001', name: 'foo', set: { team: 'a' }, remove: [] } };

    it('is served as a dry run though it says dryrun: false, changes nothing and claims no nonce', async () => {
      mock = fakeOrganizations(tree);
      const { TagResourceCommand, CreateOrganizationalUnitCommand } = await import('@aws-sdk/client-organizations');
      const ledger = memoryLedger();
      const tagged = await dispatch(event('TAG_ACCOUNT', tag, {}, PLAN), context(config(), NOW, ledger), 60_000);
      expect(tagged).toMatchObject({ status: 'ok', forcedDryRun: true, result: { outcome: 'would-tag' } });
      const ou = await dispatch(event('CREATE_OU', { ...tag, payload: { path: 'Internal/New' } }, {}, PLAN), context(config(), NOW, ledger), 60_000);
      expect(ou).toMatchObject({ status: 'ok', forcedDryRun: true, result: { path: 'Internal/New', id: null, outcome: 'would-create' } });
      expect(mock.commandCalls(TagResourceCommand)).toHaveLength(0);
      expect(mock.commandCalls(CreateOrganizationalUnitCommand)).toHaveLength(0);
      expect(ledger.claims).toEqual([]);
    });

    it('is served as asked when it asks for a dry run, and reads as any other', async () => {
      mock = fakeOrganizations(tree);
      expect(await dispatch(event('TAG_ACCOUNT', { ...tag, dryrun: true }, {}, PLAN), context(), 60_000)).toMatchObject({ status: 'ok', result: { outcome: 'would-tag' } });
      expect(await dispatch(event('TAG_ACCOUNT', { ...tag, dryrun: true }, {}, PLAN), context(), 60_000)).not.toHaveProperty('forcedDryRun');
      expect(await dispatch(event('LIST_OUS', {}, {}, PLAN), context(), 60_000)).toMatchObject({ status: 'ok', result: { root_id: 'r-root' } });
    });

    it('acts with the organization\'s source, as --execute sends it', async () => {
      mock = fakeOrganizations(tree);
      const { TagResourceCommand } = await import('@aws-sdk/client-organizations');
      mock.on(TagResourceCommand).resolves({});
      expect(await dispatch(event('TAG_ACCOUNT', tag), context(config(), NOW, memoryLedger()), 60_000)).toMatchObject({ status: 'ok', result: { outcome: 'tagged' } });
      expect(mock.commandCalls(TagResourceCommand)).toHaveLength(1);
    });

    it('is logged as a request that asked to act and was served as a dry run', async () => {
      mock = fakeOrganizations(tree);
      const recorder = new MemoryRecorder();
      await handleEvent(event('TAG_ACCOUNT', tag, {}, PLAN), { context: context(), budgetMs: 1000, replies: { put: async () => {} }, recorder });
      expect(recorder.entries).toEqual([expect.objectContaining({ event: 'handled', outcome: 'ok', message: expect.stringContaining('asked to act (dryrun: false) with the plan source app.infra.plan: served as a dry run') })]);
    });
  });

  it('refuses a management request in a member account', async () => {
    mock = fakeOrganizations(tree);
    const outcome = await dispatch(event('LIST_ACCOUNTS'), context(config({ accountId: MEMBER, roles: ['member'] })), 60_000);
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining(`LIST_ACCOUNTS is not handled in account ${MEMBER}: `) } });
    expect(mock.calls()).toHaveLength(0);
  });

  it('refuses READ_ACCOUNTS anywhere but in the management account, whose handler alone the reader roles trust', async () => {
    mock = fakeOrganizations(tree);
    for (const roles of [['member'], ['delegated-admin', 'member'], ['member', 'dns']] as AccountRole[][]) {
      const outcome = await dispatch(event('READ_ACCOUNTS', { payload: { accounts: [readEntry(MEMBER)] } }), context(config({ accountId: MEMBER, roles: [...roles], hasDelegatedAdmin: true })), 60_000);
      expect(outcome, roles.join()).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining(`READ_ACCOUNTS is not handled in account ${MEMBER}: `) } });
    }
    expect(mock.calls()).toHaveLength(0);
  });

  it('refuses a record request in an account that is not the DNS account, before reading anything', async () => {
    mock = fakeOrganizations(tree);
    const record = { account_id: MEMBER, account: 'foo', name: 'api.foo.example.com', type: 'CNAME', ttl: 60, values: ['x.example.net'] };
    const outcome = await dispatch(event('CREATE_RECORD', { payload: record, target_account: MEMBER }), context(config({ accountId: MEMBER, roles: ['member'] })), 60_000);
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining(`CREATE_RECORD is not handled in account ${MEMBER}: `) } });
  });

  it('refuses the security services\' requests in any account but the service\'s delegated administrator, before reading anything', async () => {
    mock = fakeOrganizations(tree);
    const asked: [string, Record<string, unknown>][] = [['GET_GUARDDUTY', {}], ['PUT_GUARDDUTY', { auto_enable: 'ALL' }], ['PUT_SECURITYHUB', { auto_enable: true, auto_enable_standards: 'DEFAULT' }], ['PUT_CONFIG_AGGREGATOR', { name: 'organization' }]];
    // A member, the DNS account, the Account Management API's delegated administrator, and the administrator of another service.
    for (const roles of [['member'], ['member', 'dns'], ['delegated-admin', 'member'], ['member', 'guardduty-admin']] as AccountRole[][]) {
      for (const [type, payload] of asked) {
        if (roles.includes('guardduty-admin') && type.includes('GUARDDUTY')) continue;
        const outcome = await dispatch(event(type, { payload, target_account: MEMBER }), context(config({ accountId: MEMBER, roles: [...roles], hasDelegatedAdmin: true })), 60_000);
        expect(outcome, `${type} ${roles.join()}`).toMatchObject({ status: 'error', error: { code: 'rejected', message: expect.stringContaining(`${type} is not handled in account ${MEMBER}: `) } });
      }
    }
    // Even in GuardDuty's administrator, a request that does not target it is refused: these are routed by target alone.
    const outcome = await dispatch(event('PUT_GUARDDUTY', { payload: { auto_enable: 'ALL' } }), context(config({ accountId: MEMBER, roles: ['member', 'guardduty-admin'] })), 60_000);
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'rejected', message: `PUT_GUARDDUTY targets account (none), not ${MEMBER}` } });
    expect(mock.calls()).toHaveLength(0);
  });

  it('turns an AWS error into a failed reply naming the AWS error', async () => {
    mock = fakeOrganizations(tree);
    mock.on((await import('@aws-sdk/client-organizations')).ListRootsCommand).rejects(Object.assign(new Error('You are not in an organization'), { name: 'AWSOrganizationsNotInUseException' }));
    const outcome = await dispatch(event('LIST_OUS'), context(), 60_000);
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'failed', aws_error: 'AWSOrganizationsNotInUseException' } });
  });

  it('answers a refused request too, and records it', async () => {
    const puts: object[] = [];
    const recorder = new MemoryRecorder();
    await handleEvent(event('NOPE'), { context: context(), budgetMs: 1000, replies: { put: async (type, detail) => void puts.push({ type, detail }) }, recorder });
    expect(puts).toEqual([{ type: 'UNKNOWN_RESULT', detail: expect.objectContaining({ ok: false, part: 1, parts: 1, responder: MANAGEMENT, error: expect.objectContaining({ code: 'rejected' }) }) }]);
    expect(recorder.entries).toEqual([expect.objectContaining({ event: 'rejected', type: 'NOPE', outcome: 'rejected' })]);
  });
});

describe('reading the organization (through the in-process transport)', () => {
  const transport = () =>
    new InProcessTransport(
      { eventBus: 'orgvend-infra', homeRegion: 'ap-southeast-2', eventSource: 'app.infra', replyQueue: 'orgvend-replies', cicdAccountId: CICD, managementAccountId: MANAGEMENT },
      { configFor: (account) => config({ accountId: account, roles: account === MANAGEMENT ? ['management'] : ['member'] }), clientsFor: () => factory.forAccount(undefined) },
      false,
      new MemoryRecorder(),
    );

  it('walks the OU tree page by page and gives every OU its path', async () => {
    mock = fakeOrganizations(tree);
    const result = await transport().request('LIST_OUS', {});
    expect(result.root_id).toBe('r-root');
    expect(result.ous.map((o) => [o.path, o.id, o.parent_id])).toEqual([
      ['Internal', 'ou-int', 'r-root'],
      ['Internal/CDE', 'ou-cde', 'ou-int'],
      ['Internal/Dev', 'ou-dev', 'ou-int'],
      ['Internal/Standard', 'ou-std', 'ou-int'],
      ['Morgue', 'ou-morgue', 'r-root'],
    ]);
  });

  it('lists every account with its parent and all its tags, across pages', async () => {
    mock = fakeOrganizations(tree);
    const { accounts } = await transport().request('LIST_ACCOUNTS', {});
    expect(accounts.map((a) => [a.id, a.parent_id])).toEqual([
      [MANAGEMENT, 'r-root'],
      ['500000000001', 'ou-dev'],
      ['500000000002', 'ou-dev'],
      ['500000000003', 'ou-dev'],
      ['500000000004', 'ou-morgue'],
    ]);
    expect(accounts[1]!.tags).toEqual({ 'managed-by': 'orgvend', 'orgvend:name': 'foo', a: '1', b: '2', c: '3' });
    expect(accounts[1]).toMatchObject({ name: 'foo', email: 'aws+foo@example.com', status: 'ACTIVE' });
  });
});
