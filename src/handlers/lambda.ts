/**
 * The handler Lambda: fed by the request queue (SQS event source, batch item failures
 * reported). Its configuration comes from the environment the bootstrap stack sets, the
 * public key requests are verified with included.
 */
import { stdoutRecorder } from '../audit/recorder.js';
import { ClientFactory } from '../aws/clients.js';
import type { AccountRole } from '../protocol/requests.js';
import { fileURLToPath } from 'node:url';
import { LambdaCode } from '../bootstrap/render.js';
import { BootstrapOrganization } from '../bootstrap/topology.js';
import type { HandlerConfig, MemberBootstrap } from './context.js';
import { handleEvent } from './dispatch.js';
import { handlerRuntime } from './replies.js';
import { processBatch } from './sqs-batch.js';

interface SqsEvent {
  Records: { messageId: string; body: string }[];
}
interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * The management handler's member bootstrap (BOOTSTRAP_ACCOUNTS): the organization and the
 * handler's code as the administrator's bootstrap set them in ORGVEND_BOOTSTRAP, and the
 * bootstrap template packaged next to this file.
 */
function memberBootstrap(): MemberBootstrap | undefined {
  const json = process.env.ORGVEND_BOOTSTRAP;
  if (!json) return undefined;
  const { organization, lambda } = JSON.parse(json) as { organization: unknown; lambda: unknown };
  return { organization: BootstrapOrganization.parse(organization), lambda: LambdaCode.parse(lambda), templatesDir: fileURLToPath(new URL('.', import.meta.url)) };
}

export function configFromEnvironment(): HandlerConfig {
  const bootstrap = memberBootstrap();
  const hasDelegatedAdmin = process.env.ORGVEND_HAS_DELEGATED_ADMIN === 'true';
  // The core accounts are what the management handler refuses to change: missing, it would refuse too little, so it does not start.
  const delegatedAdminAccountId = hasDelegatedAdmin ? required('ORGVEND_DELEGATED_ADMIN_ACCOUNT_ID') : undefined;
  return {
    ...(bootstrap ? { bootstrap } : {}),
    accountId: required('ORGVEND_ACCOUNT_ID'),
    roles: required('ORGVEND_ROLES').split(',') as AccountRole[],
    cicdAccountId: required('ORGVEND_CICD_ACCOUNT_ID'),
    auditAccountId: required('ORGVEND_AUDIT_ACCOUNT_ID'),
    ...(delegatedAdminAccountId ? { delegatedAdminAccountId } : {}),
    eventSource: required('ORGVEND_EVENT_SOURCE'),
    eventBus: required('ORGVEND_EVENT_BUS'),
    hasDelegatedAdmin,
    requestKey: required('ORGVEND_REQUEST_KEY'),
    handlerVersion: process.env.ORGVEND_VERSION ?? 'unknown',
  };
}

let factory: ClientFactory | undefined;

export async function handler(event: SqsEvent, context: LambdaContext): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const config = configFromEnvironment();
  factory ??= new ClientFactory({ region: required('AWS_REGION') });
  const clients = factory.forAccount(undefined);
  // Leave time to send the reply before Lambda stops the function.
  const runtime = handlerRuntime(config, clients, Math.max(1000, context.getRemainingTimeInMillis() - 15_000), stdoutRecorder);
  const messages = event.Records.map((r) => ({ id: r.messageId, body: r.body }));
  const failed = await processBatch(messages, (e) => handleEvent(e, runtime));
  return { batchItemFailures: failed.map((id) => ({ itemIdentifier: id })) };
}
