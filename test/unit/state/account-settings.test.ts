/** Reading contacts: the primary contact is asked for only for the accounts whose DSL sets one. */
import { describe, expect, it } from 'vitest';
import type { PayloadOf, RequestType, ResultOf } from '../../../src/protocol/requests.js';
import { readContacts } from '../../../src/state/account-settings.js';
import type { Transport } from '../../../src/transport/transport.js';

const none = { billing: null, operations: null, security: null };

function contactsTransport(): Transport & { sent: PayloadOf<'GET_CONTACTS'>[] } {
  const sent: PayloadOf<'GET_CONTACTS'>[] = [];
  return {
    execute: false,
    sent,
    async request<T extends RequestType>(type: T, payload: PayloadOf<T>): Promise<ResultOf<T>> {
      if (type !== 'GET_CONTACTS') throw new Error(`unexpected ${type}`);
      const asked = payload as PayloadOf<'GET_CONTACTS'>;
      sent.push(asked);
      return { accounts: asked.account_ids.map((id) => ({ account_id: id, contacts: { ...none, ...(asked.primary ? { primary: null } : {}) } })) } as ResultOf<T>;
    },
  } as Transport & { sent: PayloadOf<'GET_CONTACTS'>[] };
}

describe('readContacts', () => {
  it('asks for the primary contact of the accounts that want it, and of no other', async () => {
    const transport = contactsTransport();
    const read = await readContacts(transport, ['500000000001', '500000000002', '500000000003'], new Set(['500000000002']));
    expect(transport.sent).toEqual([{ account_ids: ['500000000001', '500000000003'] }, { account_ids: ['500000000002'], primary: true }]);
    expect(read.get('500000000002')).toEqual({ ...none, primary: null });
    expect(read.get('500000000001')).toEqual(none);
  });

  it('sends one request, without the primary contact, when no account wants it', async () => {
    const transport = contactsTransport();
    await readContacts(transport, ['500000000001']);
    expect(transport.sent).toEqual([{ account_ids: ['500000000001'] }]);
  });
});
