/** A handler's context for unit tests: clients for mocked SDKs (aws-sdk-client-mock), no time pressure. */
import { ClientFactory } from '../../src/aws/clients.js';
import type { HandlerConfig, HandlerContext } from '../../src/handlers/context.js';
import { testRequestKey } from './request-key.js';

const REQUEST_KEY = testRequestKey().publicKey;

/** The core accounts the handler is told of: CICD 222222222222, audit 333333333333, and what `config` adds (a delegated administrator). */
export function handlerContext(config: Pick<HandlerConfig, 'accountId' | 'roles'> & Partial<HandlerConfig>, overrides: Partial<HandlerContext> = {}, options: { emulator?: boolean } = {}): HandlerContext {
  const factory = new ClientFactory({
    region: 'us-east-1',
    credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
    ...(options.emulator ? { endpoint: 'http://127.0.0.1:1' } : {}),
  });
  return {
    config: { cicdAccountId: '222222222222', auditAccountId: '333333333333', eventSource: 'app.infra', eventBus: 'b', hasDelegatedAdmin: false, handlerVersion: 'unit', requestKey: REQUEST_KEY, ...config },
    clients: factory.forAccount(undefined),
    dryrun: false,
    deadline: Date.now() + 60_000,
    now: () => new Date(),
    ...overrides,
  };
}
