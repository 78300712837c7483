/** How the CLI asks an account to act: one typed request, one typed result. */
import type { PayloadOf, RequestType, ResultOf } from '../protocol/requests.js';

export interface RequestOptions {
  /** For requests routed to one account (`route: 'target'`). */
  targetAccount?: string;
  /** Override the request type's timeout (tests, --timeout). */
  timeoutSeconds?: number;
}

export interface Transport {
  /** True when the run may change things; otherwise every request goes with dryrun: true. */
  readonly execute: boolean;
  request<T extends RequestType>(type: T, payload: PayloadOf<T>, options?: RequestOptions): Promise<ResultOf<T>>;
  close(): Promise<void>;
}
