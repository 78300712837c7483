/**
 * The nonce ledger's claim, on a DynamoDB table mocked (aws-sdk-client-mock) with the
 * conditional write's rule, including a claim whose answer is lost after it landed: the
 * SDK sends it again and finds the nonce taken, by itself.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientFactory } from '../../../src/aws/clients.js';
import { dynamoLedger } from '../../../src/handlers/ledger.js';

type Item = Record<string, { S?: string; N?: string }>;
let dynamodb: ReturnType<typeof mockClient>;
let items: Map<string, Item>;
let loseNextAnswer: boolean;

const ledger = () => dynamoLedger(new ClientFactory({ region: 'us-east-1', credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' } }).forAccount(undefined));

beforeEach(() => {
  items = new Map();
  loseNextAnswer = false;
  dynamodb = mockClient(DynamoDBClient);
  dynamodb.on(PutItemCommand).callsFake(({ Item }: { Item: Item }) => {
    const taken = () => Object.assign(new Error('taken'), { name: 'ConditionalCheckFailedException' });
    if (items.has(Item.nonce!.S!)) throw taken();
    items.set(Item.nonce!.S!, Item);
    // The write landed; its answer was lost, and the SDK's retry finds the nonce taken.
    if (loseNextAnswer) throw taken();
    return {};
  });
  dynamodb.on(GetItemCommand).callsFake(({ Key }: { Key: Item }) => ({ Item: items.get(Key.nonce!.S!) }));
  dynamodb.on(UpdateItemCommand).callsFake(({ Key, ExpressionAttributeValues }: { Key: Item; ExpressionAttributeValues: Item }) => {
    items.set(Key.nonce!.S!, { ...items.get(Key.nonce!.S!)!, state: { S: 'done' }, outcome: ExpressionAttributeValues[':outcome']! });
    return {};
  });
});

afterEach(() => dynamodb.restore());

describe('the request ledger', () => {
  it('claims a new nonce once: the second delivery finds it running, then done with the first answer', async () => {
    const table = ledger();
    expect(await table.claim('n-1', 'CREATE_OU', Date.now())).toEqual({ state: 'new' });
    expect(await table.claim('n-1', 'CREATE_OU', Date.now())).toEqual({ state: 'running' });
    await table.finish('n-1', { ok: true, result: { id: 'ou-1' } });
    expect(await table.claim('n-1', 'CREATE_OU', Date.now())).toEqual({ state: 'done', outcome: { ok: true, result: { id: 'ou-1' } } });
  });

  it("knows a claim of its own whose answer was lost, instead of dropping its request as another's", async () => {
    loseNextAnswer = true;
    expect(await ledger().claim('n-2', 'CREATE_ACCOUNT', Date.now())).toEqual({ state: 'new' });
  });
});
