/** The requests a run put on the bus, read back from the PutEvents calls it made. */
import type { AwsCall } from '../../src/aws/clients.js';
import type { RequestType } from '../../src/protocol/requests.js';

export interface SentRequest {
  type: RequestType;
  target?: string;
  payload: Record<string, unknown>;
}

/** The requests a run put on the bus, in order. */
export const requestsOf = (calls: AwsCall[]): SentRequest[] =>
  calls
    .filter((c) => c.operation === 'PutEvents')
    .flatMap((c) => (c.input as { Entries: { DetailType: RequestType; Detail: string }[] }).Entries)
    .map((e) => {
      const detail = JSON.parse(e.Detail) as { target_account?: string; payload: Record<string, unknown> };
      return { type: e.DetailType, target: detail.target_account, payload: detail.payload };
    });
