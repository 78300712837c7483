/**
 * READ_ACCOUNTS, in the management account: what GET_PARAMETERS and GET_STACKS read, for
 * many accounts in one request, through the read-only role every member's stack has
 * (NAMES.readerRole, which trusts this handler's role alone). Each account's credentials
 * are assumed once and kept for their lifetime by the client factory, so a warm handler
 * assumes each role once an hour. An account that cannot be read so (its stack predates
 * the role, or the role may not read) is answered `unreachable`, and the CLI asks the
 * account itself instead.
 */
import pLimit from 'p-limit';
import type { AccountClients } from '../aws/clients.js';
import { NAMES } from '../protocol/names.js';
import type { PayloadOf, ResultOf, UNREACHABLE_REASONS } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { current } from './parameters.js';
import { readRecorders } from './config-recorder.js';
import { readPublicAccessBlock } from './public-access-block.js';
import { readStacks } from './stacks.js';

/** Accounts read at once; each reads its stacks a few at a time as GET_STACKS does. */
const ACCOUNTS_IN_FLIGHT = 8;

type Entry = PayloadOf<'READ_ACCOUNTS'>['accounts'][number];
type Answer = ResultOf<'READ_ACCOUNTS'>['accounts'][number];

export const readAccounts: Handler<PayloadOf<'READ_ACCOUNTS'>, ResultOf<'READ_ACCOUNTS'>> = async ({ accounts }, { clients }) => {
  const limit = pLimit(ACCOUNTS_IN_FLIGHT);
  return { accounts: await Promise.all(accounts.map((entry) => limit(() => readAccount(clients, entry)))) };
};

const unreachable = (account: string, reason: (typeof UNREACHABLE_REASONS)[number], error: unknown): Answer => {
  const e = error as { name?: string; message?: string };
  return { account_id: account, unreachable: { reason, message: `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(error)}` } };
};

async function readAccount(clients: AccountClients, entry: Entry): Promise<Answer> {
  const account = entry.account_id;
  const reader = clients.asRole(account, NAMES.readerRole);
  try {
    await reader.assumed();
  } catch (error) {
    return unreachable(account, 'cannot-assume-reader', error);
  }
  try {
    const wantsStacks = entry.stacks.length > 0 || entry.owned !== undefined;
    const [parameters, block, recorders, stacks] = await Promise.all([
      entry.parameters ? current(await reader.client('ssm')) : undefined,
      entry.public_access_block ? readPublicAccessBlock(await reader.client('s3control'), account) : undefined,
      entry.config_recorder ? readRecorders(reader, entry.config_recorder) : undefined,
      wantsStacks ? readStacks(reader, { stacks: entry.stacks, ...(entry.owned ? { owned: entry.owned } : {}) }) : undefined,
    ]);
    return { account_id: account, ...(parameters ? { parameters } : {}), ...(block !== undefined ? { public_access_block: block } : {}), ...(recorders ? { config_recorders: recorders } : {}), ...(stacks ? { stacks } : {}) };
  } catch (error) {
    // The role was assumed but may not read: a policy older than this request's reads.
    return unreachable(account, /AccessDenied|UnauthorizedOperation/.test((error as Error).name) ? 'access-denied' : 'failed', error);
  }
}
