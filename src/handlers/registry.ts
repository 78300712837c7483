/** Every request type's handler. The type makes a missing handler a compile error. */
import type { PayloadOf, RequestType, ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';
import { listAccounts, listOus } from './list-organization.js';
import { ping } from './ping.js';

export const HANDLERS: { [T in RequestType]: Handler<PayloadOf<T>, ResultOf<T>> } = {
  PING: ping,
  LIST_OUS: listOus,
  LIST_ACCOUNTS: listAccounts,
};
