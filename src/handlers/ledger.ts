/**
 * The nonces a handler has acted on, so that a request delivered twice (EventBridge and SQS
 * deliver at least once; a DLQ redrive or a replay delivers again) acts once and answers the
 * same: a DynamoDB table of the bootstrap stack, in each account with a handler. Only
 * requests that change something are recorded; reading again is harmless.
 *
 * A nonce is claimed with a conditional write before anything is done. A second delivery
 * finds it: finished, it gets the first answer; still running, it is dropped, because the
 * first will answer. An attempt that died half-way leaves its claim running: its request is
 * never acted on again, and the CLI's timeout tells the run to plan afresh. Each claim
 * carries its own token, so a claim whose answer was lost (and which the SDK sent again,
 * to find it taken) is known as this attempt's own rather than dropped as a duplicate.
 */
import { randomUUID } from 'node:crypto';
import type { AccountClients } from '../aws/clients.js';
import type { ReplyError } from '../protocol/envelope.js';
import { NAMES } from '../protocol/names.js';

export type StoredOutcome = { ok: true; result: unknown } | { ok: false; error: ReplyError };

export type Claim = { state: 'new' } | { state: 'running' } | { state: 'done'; outcome: StoredOutcome };

export interface RequestLedger {
  claim(nonce: string, type: string, nowMs: number): Promise<Claim>;
  finish(nonce: string, outcome: StoredOutcome): Promise<void>;
}

/** How long a handled nonce is kept: far longer than any request may wait (refused after its timeout anyway). */
const KEEP_SECONDS = 7 * 24 * 3600;

export function dynamoLedger(clients: AccountClients, table = NAMES.requestLedger): RequestLedger {
  const dynamodb = () => Promise.all([import('@aws-sdk/client-dynamodb'), clients.client('dynamodb')]);
  return {
    async claim(nonce, type, nowMs) {
      const [{ PutItemCommand, GetItemCommand }, client] = await dynamodb();
      const token = randomUUID();
      try {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              nonce: { S: nonce },
              type: { S: type },
              state: { S: 'running' },
              claim: { S: token },
              claimed_at: { S: new Date(nowMs).toISOString() },
              expires_at: { N: String(Math.floor(nowMs / 1000) + KEEP_SECONDS) },
            },
            ConditionExpression: 'attribute_not_exists(nonce)',
          }),
        );
        return { state: 'new' };
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
      const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { nonce: { S: nonce } }, ConsistentRead: true }));
      if (Item?.claim?.S === token) return { state: 'new' };
      const outcome = Item?.state?.S === 'done' ? Item.outcome?.S : undefined;
      return outcome ? { state: 'done', outcome: JSON.parse(outcome) as StoredOutcome } : { state: 'running' };
    },
    async finish(nonce, outcome) {
      const [{ UpdateItemCommand }, client] = await dynamodb();
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { nonce: { S: nonce } },
          UpdateExpression: 'SET #state = :done, outcome = :outcome',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':done': { S: 'done' }, ':outcome': { S: JSON.stringify(outcome) } },
        }),
      );
    },
  };
}
