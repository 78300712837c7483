/** What a handler knows about where it runs, and what it is given for one request. */
import type { AccountClients } from '../aws/clients.js';
import type { ErrorCode } from '../protocol/envelope.js';
import type { AccountRole } from '../protocol/requests.js';
import type { LambdaCode } from '../bootstrap/render.js';
import type { BootstrapAccount, BootstrapOrganization } from '../bootstrap/topology.js';

/**
 * What the management handler renders a new member's stack from (BOOTSTRAP_ACCOUNTS): given
 * by the administrator's bootstrap, never by a request.
 */
export interface MemberBootstrap {
  organization: BootstrapOrganization;
  /** The folder holding bootstrap.yml.njk: the Lambda's own, or the repository's templates/. */
  templatesDir: string;
  /** The handler's code for the member's Lambda; absent where a local worker stands in for it. */
  lambda?: LambdaCode;
  /** Told of each account given the stack: the local worker starts serving it. */
  onBootstrapped?(account: BootstrapAccount): void;
}

export interface HandlerConfig {
  /** The account this handler runs in. */
  accountId: string;
  roles: AccountRole[];
  /** The only account allowed to send requests. */
  cicdAccountId: string;
  /**
   * The audit account and the delegated administrator (when there is one): with the CICD
   * and management accounts, orgvend's core accounts, which the management handler never
   * moves, tags, retires or closes.
   */
  auditAccountId: string;
  delegatedAdminAccountId?: string;
  eventSource: string;
  /** This account's bus, where replies are put. */
  eventBus: string;
  hasDelegatedAdmin: boolean;
  /**
   * The public key of the CICD account's request key (base64 DER), given by the
   * administrator's bootstrap: only a request signed with it is served. Absent where no
   * request arrives by a queue (--direct runs the handlers in the caller's own process).
   */
  requestKey?: string;
  handlerVersion: string;
  /** The management account's only: how to bootstrap a new member. */
  bootstrap?: MemberBootstrap;
}

/** The configuration of the handler in `account` of this organization. */
export function handlerConfig(org: BootstrapOrganization, account: string, roles: AccountRole[], how: Pick<HandlerConfig, 'requestKey' | 'handlerVersion'>): HandlerConfig {
  return {
    accountId: account,
    roles,
    cicdAccountId: org.cicd_account_id,
    auditAccountId: org.audit_account_id,
    ...(org.delegated_admin_account_id !== undefined ? { delegatedAdminAccountId: org.delegated_admin_account_id } : {}),
    eventSource: org.event_source,
    eventBus: org.event_bus,
    hasDelegatedAdmin: org.delegated_admin_account_id !== undefined,
    ...how,
  };
}

export interface HandlerContext {
  config: HandlerConfig;
  /** Clients signed as this account. */
  clients: AccountClients;
  /** When true, compute and report; change nothing. */
  dryrun: boolean;
  /** Epoch ms by which the handler must have replied. */
  deadline: number;
  now(): Date;
}

export type Handler<P, R> = (payload: P, context: HandlerContext) => Promise<R>;

/** An error a handler raises on purpose, with the reply code to use. */
export class HandlerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly awsError?: string,
  ) {
    super(message);
  }
}
