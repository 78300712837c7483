/**
 * CREATE_ACCOUNT, idempotent by email. A ledger entry per email (an SSM parameter created
 * only if absent) is both the lock and the memory: the first request to write it creates
 * the account and records the creation's request id, then the account id; a duplicate or
 * racing request finds the entry and waits for that creation instead of starting one.
 * CreateAccount is never sent twice blindly: when its answer is lost, the creation is looked
 * for by name in Organizations' own list of creation requests since the request began, and
 * so is one started by a handler that died before recording it (a stale lock). The account
 * is then tagged and moved into its OU, and its id returned.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  TagResourceCommand,
  paginateListCreateAccountStatus,
  type CreateAccountStatus,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { DeleteParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { isUncertainOutcome, makeOnce } from '../aws/once.js';
import { sha256Hex } from '../plan/digest.js';
import { LEDGER_PREFIX, type PayloadOf, type ResultOf } from '../protocol/requests.js';
import { refuseCoreAccount } from './account-guards.js';
import { HandlerError, type Handler, type HandlerContext } from './context.js';
import { moveTo, requireOu } from './organization-units.js';
import { parameterValue } from './parameters.js';
import { everyPage } from '../aws/pages.js';

type Payload = PayloadOf<'CREATE_ACCOUNT'>;

interface LedgerEntry {
  email: string;
  name: string;
  state: 'creating' | 'created';
  at: string;
  request_id?: string;
  account_id?: string;
  /** The handler invocation that wrote the lock: a write whose answer was lost is recognised as its own. */
  owner?: string;
  /** That handler's deadline, after which it does nothing more. */
  until?: string;
}

/**
 * A creation lock whose holder's deadline passed this long ago, with no request id, was left
 * by a handler that died: a handler acts on nothing after its deadline (a throttled
 * CreateAccount is not retried past it), so none can still start a creation under it. A lock
 * written before locks carried their holder's deadline goes stale STALE_LOCK_MS after it was taken.
 */
const STALE_LOCK_MS = 10 * 60_000;
const DEADLINE_GRACE_MS = 60_000;
const POLL_MS = 5_000;

export const ledgerKey = (email: string) => `${LEDGER_PREFIX}${sha256Hex(email.toLowerCase()).slice(0, 40)}`;

async function readEntry(ssm: SSMClient, key: string): Promise<LedgerEntry | undefined> {
  const value = await parameterValue(ssm, key);
  return value ? (JSON.parse(value) as LedgerEntry) : undefined;
}

/**
 * Write `entry`; without `overwrite`, only if there is none. True when the entry there is
 * this one: a retried write whose first answer was lost finds its own entry, not a rival's.
 */
async function writeEntry(ssm: SSMClient, key: string, entry: LedgerEntry, overwrite: boolean): Promise<boolean> {
  try {
    await ssm.send(new PutParameterCommand({ Name: key, Value: JSON.stringify(entry), Type: 'String', Overwrite: overwrite }));
  } catch (error) {
    if (overwrite || (error as Error).name !== 'ParameterAlreadyExists') throw error;
  }
  return entry.owner === undefined || (await readEntry(ssm, key))?.owner === entry.owner;
}

/** What AWS's failure reasons mean for the person reading the plan's result. */
function failureMessage(reason: string | undefined, payload: Payload): string {
  switch (reason) {
    case 'EMAIL_ALREADY_EXISTS':
      return `an AWS account with the email ${payload.email} exists already, outside this organization or closed; give ${payload.name} another email, or invite that account into the organization and run the plan again to adopt it`;
    case 'ACCOUNT_LIMIT_EXCEEDED':
    case 'ACCOUNT_NUMBER_LIMIT_EXCEEDED':
      return 'the organization has as many accounts as its quota allows; ask AWS Support to raise it';
    case 'ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED':
      return 'AWS limits how many accounts an organization may create in a day (new organizations very few); run again tomorrow or ask AWS Support to raise the limit';
    case 'INVALID_EMAIL':
    case 'INVALID_ADDRESS':
    case 'INVALID_IDENTITY_FOR_BUSINESS_VALIDATION':
      return `AWS refused the account's details (${reason}); check the email ${payload.email}`;
    case 'CONCURRENT_ACCOUNT_MODIFICATION':
    case 'INTERNAL_FAILURE':
      return `AWS could not create the account this time (${reason}); run the plan again`;
    default:
      return `AWS could not create the account (${reason ?? 'no reason given'})`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait for a creation to finish, until the handler's deadline. */
async function awaitCreation(client: OrganizationsClient, requestId: string, payload: Payload, context: HandlerContext): Promise<CreateAccountStatus> {
  for (;;) {
    const { CreateAccountStatus: status } = await client.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }));
    if (status?.State === 'SUCCEEDED') return status;
    if (status?.State === 'FAILED') throw new HandlerError('failed', failureMessage(status.FailureReason, payload), status.FailureReason);
    if (context.now().getTime() + POLL_MS > context.deadline) {
      throw new HandlerError(
        'timeout',
        `the creation of ${payload.name} is still in progress (request ${requestId}); run again and orgvend will wait for it rather than create it twice`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Clocks differ: a creation requested up to this long before the handler's clock says it began is still its own. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A creation request for this account name that Organizations knows of, in progress or done
 * (since `since`, when given). Reads Organizations' whole list of creations: asked only when
 * a handler may have started one without recording it, never for every new account.
 */
async function findCreation(client: OrganizationsClient, awsName: string, since?: Date): Promise<CreateAccountStatus | undefined> {
  const after = since ? since.getTime() - CLOCK_SKEW_MS : 0;
  for await (const page of everyPage(paginateListCreateAccountStatus({ client }, { States: ['IN_PROGRESS', 'SUCCEEDED'] }))) {
    const match = page.CreateAccountStatuses?.find((s) => s.AccountName === awsName && (s.RequestedTimestamp?.getTime() ?? Infinity) >= after);
    if (match) return match;
  }
  return undefined;
}

async function startCreation(client: OrganizationsClient, payload: Payload): Promise<string> {
  try {
    const { CreateAccountStatus: status } = await client.send(
      new CreateAccountCommand({ Email: payload.email, AccountName: payload.aws_name, Tags: Object.entries(payload.tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
    if (!status?.Id) throw new HandlerError('failed', 'CreateAccount returned no request id');
    return status.Id;
  } catch (error) {
    const reason = (error as { Reason?: string }).Reason;
    if ((error as Error).name === 'ConstraintViolationException' && reason) {
      throw new HandlerError('failed', failureMessage(reason, payload), `ConstraintViolationException: ${reason}`);
    }
    throw error;
  }
}

/**
 * Put a new account where it belongs, with its tags. Safe to repeat. The account comes from
 * the ledger or from a creation found by the account's name, so it is checked again: a core
 * account (say one created under the name the request gives) is never tagged or moved.
 */
async function settle(client: OrganizationsClient, accountId: string, payload: Payload, context: HandlerContext): Promise<void> {
  refuseCoreAccount(context, accountId);
  const tags = Object.entries(payload.tags).map(([Key, Value]) => ({ Key, Value }));
  if (tags.length) await client.send(new TagResourceCommand({ ResourceId: accountId, Tags: tags }));
  await moveTo(client, accountId, payload.ou_path, false);
}

export const createAccount: Handler<Payload, ResultOf<'CREATE_ACCOUNT'>> = async (payload, context) => {
  const [client, ssm] = await Promise.all([context.clients.client('organizations'), context.clients.client('ssm')]);
  const key = ledgerKey(payload.email);

  if (context.dryrun) {
    const entry = await readEntry(ssm, key);
    if (entry?.account_id) return { account_id: entry.account_id, outcome: 'already-created' };
    await requireOu(client, payload.ou_path, true);
    return { account_id: null, outcome: 'would-create', request_id: entry?.request_id };
  }

  for (;;) {
    const entry = await readEntry(ssm, key);
    if (entry?.account_id) {
      await settle(client, entry.account_id, payload, context);
      return { account_id: entry.account_id, outcome: 'already-created' };
    }
    if (entry?.request_id) {
      const status = await awaitCreation(client, entry.request_id, payload, context);
      await writeEntry(ssm, key, { ...entry, state: 'created', account_id: status.AccountId }, true);
      await settle(client, status.AccountId!, payload, context);
      return { account_id: status.AccountId!, outcome: 'awaited', request_id: entry.request_id };
    }
    const expires = entry && (entry.until ? Date.parse(entry.until) + DEADLINE_GRACE_MS : Date.parse(entry.at) + STALE_LOCK_MS);
    const stale = expires !== undefined && context.now().getTime() > expires;
    if (entry && !stale) {
      // Another handler holds the lock and has not asked AWS yet: wait for it.
      if (context.now().getTime() + POLL_MS > context.deadline) {
        throw new HandlerError('timeout', `another request is creating ${payload.name}; run again to wait for it`);
      }
      await sleep(POLL_MS);
      continue;
    }
    const began = context.now();
    const lock: LedgerEntry = { email: payload.email.toLowerCase(), name: payload.name, state: 'creating', at: began.toISOString(), owner: randomUUID(), until: new Date(context.deadline).toISOString() };
    if (!(await writeEntry(ssm, key, lock, stale))) continue; // lost the race: read what the winner wrote

    // True while nothing this attempt did can have made an account, or once AWS said the creation failed.
    let forgettable = !stale;
    let created = false;
    try {
      // A creation started by the handler that died holding the lock is still to be found.
      const known = stale ? await findCreation(client, payload.aws_name) : undefined;
      if (known?.AccountId) refuseCoreAccount(context, known.AccountId);
      forgettable = !known;
      const requestId =
        known?.Id ??
        (await makeOnce(
          `creating ${payload.name}`,
          () => startCreation(client, payload),
          async () => (await findCreation(client, payload.aws_name, began))?.Id,
        ));
      forgettable = false;
      await writeEntry(ssm, key, { ...lock, request_id: requestId }, true);
      const status = await awaitCreation(client, requestId, payload, context).catch((error: unknown) => {
        forgettable = error instanceof HandlerError && error.code === 'failed';
        throw error;
      });
      await writeEntry(ssm, key, { ...lock, request_id: requestId, state: 'created', account_id: status.AccountId }, true);
      created = true;
      await settle(client, status.AccountId!, payload, context);
      return { account_id: status.AccountId!, outcome: known ? 'awaited' : 'created', request_id: requestId };
    } catch (error) {
      // Only a creation known not to exist (refused, never sent, or failed in AWS) leaves no
      // lock behind, so that it can be tried again. Any other lock stays: it records a
      // creation, or goes stale and makes the next attempt look for one first.
      if (!created && forgettable && !isUncertainOutcome(error)) {
        try {
          await ssm.send(new DeleteParameterCommand({ Name: key }));
        } catch {
          // The lock goes stale once its holder's deadline has passed, and is taken over.
        }
      }
      throw error;
    }
  }
};
