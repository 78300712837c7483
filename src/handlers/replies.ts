/** Replies go on this account's own bus; its reply rule forwards them to the CICD bus. */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AccountClients } from '../aws/clients.js';
import { replySource } from '../protocol/envelope.js';
import type { Recorder } from '../audit/recorder.js';
import type { HandlerConfig } from './context.js';
import { dynamoLedger } from './ledger.js';
import type { HandlerRuntime, ReplySender } from './dispatch.js';

function eventBridgeReplies(clients: AccountClients, eventBus: string, eventSource: string): ReplySender {
  return {
    async put(detailType, detail) {
      const events = await clients.client('events');
      const { FailedEntryCount, Entries } = await events.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: eventBus, Source: replySource(eventSource), DetailType: detailType, Detail: JSON.stringify(detail) }],
        }),
      );
      if (FailedEntryCount) throw new Error(`could not put reply: ${Entries?.[0]?.ErrorCode} ${Entries?.[0]?.ErrorMessage}`);
    },
  };
}

/** The runtime of the Lambda and of the local worker alike: replies on this account's bus, handled nonces in its ledger table. */
export function handlerRuntime(config: HandlerConfig, clients: AccountClients, budgetMs: number, recorder: Recorder): HandlerRuntime {
  return {
    context: { config, clients, now: () => new Date(), ledger: dynamoLedger(clients) },
    budgetMs,
    replies: eventBridgeReplies(clients, config.eventBus, config.eventSource),
    recorder,
  };
}
