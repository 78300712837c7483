import type { Handler } from './context.js';
import type { PayloadOf, ResultOf } from '../protocol/requests.js';

export const ping: Handler<PayloadOf<'PING'>, ResultOf<'PING'>> = async (_payload, { config }) => ({
  account_id: config.accountId,
  handler_version: config.handlerVersion,
});
