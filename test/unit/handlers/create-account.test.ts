/**
 * CREATE_ACCOUNT's waiting and failure paths. moto creates an account at once and never
 * fails, so Organizations is mocked (aws-sdk-client-mock) to go through IN_PROGRESS and
 * FAILED; SSM is a small in-memory fake with PutParameter's overwrite rule. Fake timers
 * drive the polling.
 */
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListCreateAccountStatusCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UncertainOutcome } from '../../../src/aws/middleware.js';
import { HandlerError, type HandlerContext } from '../../../src/handlers/context.js';
import { createAccount, ledgerKey } from '../../../src/handlers/create-account.js';
import { settle } from '../../helpers/fake-time.js';
import { handlerContext } from '../../helpers/handler-context.js';

const payload = { name: 'foo', aws_name: 'foo-nonprod', email: 'aws+foo@example.com', ou_path: 'Internal/Dev', tags: { 'orgvend:name': 'foo' } };
const KEY = ledgerKey(payload.email);

let organizations: ReturnType<typeof mockClient>;
let ssm: ReturnType<typeof mockClient>;
let parameters: Map<string, string>;
let states: string[];

const context = (overrides: Partial<HandlerContext> = {}) => handlerContext({ accountId: '111111111111', roles: ['management'] }, { deadline: Date.now() + 14 * 60_000, ...overrides });

// The clients' modules load before time is faked: loading them is real I/O, during which
// the fake clock would run on past the handler's deadline.
beforeAll(async () => {
  await Promise.all([context().clients.client('organizations'), context().clients.client('ssm')]);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  parameters = new Map();
  states = ['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED'];
  ssm = mockClient(SSMClient);
  ssm.onAnyCommand().rejects(new Error('unexpected SSM command'));
  ssm.on(GetParameterCommand).callsFake(({ Name }) => {
    if (!parameters.has(Name)) throw Object.assign(new Error('not found'), { name: 'ParameterNotFound' });
    return { Parameter: { Name, Value: parameters.get(Name) } };
  });
  ssm.on(PutParameterCommand).callsFake(({ Name, Value, Overwrite }) => {
    if (parameters.has(Name) && !Overwrite) throw Object.assign(new Error('exists'), { name: 'ParameterAlreadyExists' });
    parameters.set(Name, Value);
    return { Version: 1 };
  });
  ssm.on(DeleteParameterCommand).callsFake(({ Name }) => (parameters.delete(Name), {}));

  organizations = mockClient(OrganizationsClient);
  organizations.onAnyCommand().rejects(new Error('unexpected Organizations command'));
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' }).resolves({ OrganizationalUnits: [{ Id: 'ou-int', Name: 'Internal' }] });
  organizations.on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-int' }).resolves({ OrganizationalUnits: [{ Id: 'ou-dev', Name: 'Dev' }] });
  organizations.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [] });
  organizations.on(CreateAccountCommand).resolves({ CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' } });
  organizations.on(DescribeCreateAccountStatusCommand).callsFake(() => {
    const State = states.length > 1 ? states.shift() : states[0];
    return { CreateAccountStatus: { Id: 'car-1', State, AccountId: State === 'SUCCEEDED' ? '700000000001' : undefined, FailureReason: State === 'FAILED' ? 'EMAIL_ALREADY_EXISTS' : undefined } };
  });
  organizations.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
  organizations.on(TagResourceCommand).resolves({});
  organizations.on(MoveAccountCommand).resolves({});
});

afterEach(() => {
  organizations.restore();
  ssm.restore();
  vi.useRealTimers();
});

/** Let the handler run, advancing fake time through its polls. */
const run = <T>(promise: Promise<T>) => settle(promise, 1000, 2000);

describe('CREATE_ACCOUNT', () => {
  it('creates the account, waits for it, then tags it and moves it into its OU', async () => {
    const result = await run(createAccount(payload, context()));
    expect(result).toEqual({ account_id: '700000000001', outcome: 'created', request_id: 'car-1' });
    expect(organizations.commandCalls(CreateAccountCommand)[0]!.args[0].input).toEqual({
      Email: payload.email,
      AccountName: payload.aws_name,
      Tags: [{ Key: 'orgvend:name', Value: 'foo' }],
    });
    expect(organizations.commandCalls(MoveAccountCommand)[0]!.args[0].input).toEqual({ AccountId: '700000000001', SourceParentId: 'r-root', DestinationParentId: 'ou-dev' });
    expect(JSON.parse(parameters.get(KEY)!)).toMatchObject({ state: 'created', account_id: '700000000001', request_id: 'car-1' });
  });

  it('does not create again what the ledger says is created', async () => {
    parameters.set(KEY, JSON.stringify({ email: payload.email, name: 'foo', state: 'created', at: '2026-01-01T00:00:00Z', account_id: '700000000001' }));
    expect(await run(createAccount(payload, context()))).toEqual({ account_id: '700000000001', outcome: 'already-created' });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it('waits for a creation in progress instead of starting another', async () => {
    parameters.set(KEY, JSON.stringify({ email: payload.email, name: 'foo', state: 'creating', at: new Date().toISOString(), request_id: 'car-1' }));
    expect(await run(createAccount(payload, context()))).toMatchObject({ account_id: '700000000001', outcome: 'awaited' });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it('lets two racing requests create one account', async () => {
    const [a, b] = await run(Promise.all([createAccount(payload, context()), createAccount(payload, context())]));
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(1);
    expect([a.outcome, b.outcome].sort()).toEqual(['awaited', 'created']);
    expect(a.account_id).toBe(b.account_id);
  });

  /** A lock left by a handler that died between CreateAccount and recording its request id. */
  const staleLock = () => parameters.set(KEY, JSON.stringify({ email: payload.email, name: 'foo', state: 'creating', at: new Date(Date.now() - 11 * 60_000).toISOString(), owner: 'dead' }));

  it('takes over a stale lock by finding the creation its holder started, by name, and waiting for it', async () => {
    staleLock();
    organizations.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [{ Id: 'car-1', AccountName: 'foo-nonprod', State: 'IN_PROGRESS' }] });
    expect(await run(createAccount(payload, context()))).toMatchObject({ outcome: 'awaited', account_id: '700000000001' });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });

  it("never takes over a lock whose holder may still act: a long-throttled CreateAccount's handler has until its deadline", async () => {
    parameters.set(KEY, JSON.stringify({ email: payload.email, name: 'foo', state: 'creating', at: new Date(Date.now() - 20 * 60_000).toISOString(), owner: 'slow', until: new Date(Date.now() + 5 * 60_000).toISOString() }));
    const error = await run(createAccount(payload, context({ deadline: Date.now() + 30_000 }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', message: expect.stringContaining('another request is creating foo') });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(0);
    expect(organizations.commandCalls(ListCreateAccountStatusCommand)).toHaveLength(0);
  });

  it("never lists Organizations' creation history for an account no handler has started", async () => {
    await run(createAccount(payload, context()));
    expect(organizations.commandCalls(ListCreateAccountStatusCommand)).toHaveLength(0);
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(1);
  });

  it("looks for the creation by name when CreateAccount's answer is lost, instead of sending it again", async () => {
    organizations.on(CreateAccountCommand).rejects(new UncertainOutcome('CreateAccount', 'socket hang up'));
    organizations.on(ListCreateAccountStatusCommand).callsFake(() => ({
      CreateAccountStatuses: [
        // The same name, requested long before this request began: another account's, not this one's.
        { Id: 'car-old', AccountName: 'foo-nonprod', State: 'SUCCEEDED', AccountId: '700000000009', RequestedTimestamp: new Date(Date.now() - 86_400_000) },
        { Id: 'car-1', AccountName: 'foo-nonprod', State: 'IN_PROGRESS', RequestedTimestamp: new Date() },
      ],
    }));
    expect(await run(createAccount(payload, context()))).toMatchObject({ outcome: 'created', account_id: '700000000001', request_id: 'car-1' });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(1);
  });

  it('sends CreateAccount again only when the lost attempt made nothing, and keeps the lock when every answer is lost', async () => {
    organizations.on(CreateAccountCommand).rejectsOnce(new UncertainOutcome('CreateAccount', 'HTTP 500')).resolves({ CreateAccountStatus: { Id: 'car-1', State: 'IN_PROGRESS' } });
    expect(await run(createAccount(payload, context()))).toMatchObject({ outcome: 'created', account_id: '700000000001' });
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(2);

    parameters.clear();
    organizations.on(CreateAccountCommand).rejects(new UncertainOutcome('CreateAccount', 'HTTP 500'));
    const error = await run(createAccount({ ...payload }, context())).catch((e: unknown) => e);
    expect((error as Error).message).toContain('nothing it made is to be found yet; run again');
    // AWS may yet show the account: the lock stays, goes stale, and the next attempt looks again first.
    expect(JSON.parse(parameters.get(KEY)!)).toMatchObject({ state: 'creating' });
  });

  it('knows its own lock when the answer to writing it was lost and the write arrived twice', async () => {
    let first = true;
    ssm.on(PutParameterCommand).callsFake(({ Name, Value, Overwrite }) => {
      if (parameters.has(Name) && !Overwrite) throw Object.assign(new Error('exists'), { name: 'ParameterAlreadyExists' });
      parameters.set(Name, Value);
      // The first write lands, its answer is lost, and the SDK's retry finds the parameter there.
      if (first && !Overwrite) {
        first = false;
        throw Object.assign(new Error('exists'), { name: 'ParameterAlreadyExists' });
      }
      return { Version: 1 };
    });
    expect(await run(createAccount(payload, context()))).toMatchObject({ outcome: 'created', account_id: '700000000001' });
  });

  it('explains EMAIL_ALREADY_EXISTS and leaves no lock behind, so a fixed entry can try again', async () => {
    states = ['IN_PROGRESS', 'FAILED'];
    const error = await run(createAccount(payload, context())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ code: 'failed', awsError: 'EMAIL_ALREADY_EXISTS' });
    expect((error as Error).message).toContain('an AWS account with the email aws+foo@example.com exists already');
    expect(parameters.has(KEY)).toBe(false);
  });

  it('explains the daily creation limit instead of retrying it forever', async () => {
    organizations.on(CreateAccountCommand).rejects(Object.assign(new Error('rate'), { name: 'ConstraintViolationException', Reason: 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED' }));
    const error = await run(createAccount(payload, context())).catch((e: unknown) => e);
    expect((error as Error).message).toContain('AWS limits how many accounts an organization may create in a day');
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(1);
  });

  it('says "still in progress" when its time is up, keeping the ledger so the next request waits', async () => {
    states = ['IN_PROGRESS'];
    const error = await run(createAccount(payload, context({ deadline: Date.now() + 60_000 }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout' });
    expect((error as Error).message).toContain('still in progress (request car-1)');
    expect(JSON.parse(parameters.get(KEY)!)).toMatchObject({ state: 'creating', request_id: 'car-1' });
  });

  it('never tags or moves a core account that a creation found by name, or a ledger entry, turns out to be', async () => {
    const organizationsChanges = () => [...organizations.commandCalls(TagResourceCommand), ...organizations.commandCalls(MoveAccountCommand), ...organizations.commandCalls(CreateAccountCommand)];
    // A request naming the account as the CICD account was named when it was created, found behind a stale lock.
    staleLock();
    organizations.on(ListCreateAccountStatusCommand).resolves({ CreateAccountStatuses: [{ Id: 'car-cicd', AccountName: 'foo-nonprod', State: 'SUCCEEDED', AccountId: '222222222222' }] });
    const found = await run(createAccount(payload, context())).catch((e: unknown) => e);
    expect(found).toMatchObject({ code: 'rejected', message: expect.stringContaining("account 222222222222 is the CICD account, one of orgvend's core accounts") });
    // A ledger entry that names the audit account.
    parameters.set(KEY, JSON.stringify({ email: payload.email, name: 'foo', state: 'created', at: '2026-01-01T00:00:00Z', account_id: '333333333333' }));
    const ledgered = await run(createAccount(payload, context())).catch((e: unknown) => e);
    expect(ledgered).toMatchObject({ code: 'rejected', message: expect.stringContaining("account 333333333333 is the audit account, one of orgvend's core accounts") });
    expect(organizationsChanges()).toEqual([]);
  });

  it('changes nothing in a dry run', async () => {
    expect(await run(createAccount(payload, context({ dryrun: true })))).toEqual({ account_id: null, outcome: 'would-create', request_id: undefined });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(organizations.commandCalls(CreateAccountCommand)).toHaveLength(0);
  });
});
