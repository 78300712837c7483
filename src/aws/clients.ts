/**
 * The one place AWS clients are made: endpoint (AWS or the local emulator), credentials
 * (ambient, or a role assumed into another account), retries and pacing, and an observer
 * that sees every command sent. Client modules are imported on first use, so actions
 * that never talk to AWS never load the SDK.
 */
import type { AccountClient } from '@aws-sdk/client-account';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { STSClient } from '@aws-sdk/client-sts';
import { NAMES, roleArn } from '../protocol/names.js';
import { markRetryable, observeCalls } from './middleware.js';
import type { Paces } from './pacing.js';
import type { RetryPolicy } from './retry.js';

export interface ServiceClients {
  account: AccountClient;
  cloudformation: CloudFormationClient;
  cloudtrail: CloudTrailClient;
  config: ConfigServiceClient;
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
  guardduty: GuardDutyClient;
  iam: IAMClient;
  identitystore: IdentitystoreClient;
  kms: KMSClient;
  logs: CloudWatchLogsClient;
  organizations: OrganizationsClient;
  route53: Route53Client;
  s3: S3Client;
  s3control: S3ControlClient;
  securityhub: SecurityHubClient;
  sqs: SQSClient;
  ssm: SSMClient;
  ssoadmin: SSOAdminClient;
  sts: STSClient;
}
export type ServiceName = keyof ServiceClients;

type ClientConstructor = new (config: Record<string, unknown>) => ServiceClients[ServiceName];

const LOADERS: Record<ServiceName, () => Promise<ClientConstructor>> = {
  account: async () => (await import('@aws-sdk/client-account')).AccountClient as ClientConstructor,
  cloudformation: async () => (await import('@aws-sdk/client-cloudformation')).CloudFormationClient as ClientConstructor,
  cloudtrail: async () => (await import('@aws-sdk/client-cloudtrail')).CloudTrailClient as ClientConstructor,
  config: async () => (await import('@aws-sdk/client-config-service')).ConfigServiceClient as ClientConstructor,
  dynamodb: async () => (await import('@aws-sdk/client-dynamodb')).DynamoDBClient as ClientConstructor,
  events: async () => (await import('@aws-sdk/client-eventbridge')).EventBridgeClient as ClientConstructor,
  guardduty: async () => (await import('@aws-sdk/client-guardduty')).GuardDutyClient as ClientConstructor,
  iam: async () => (await import('@aws-sdk/client-iam')).IAMClient as ClientConstructor,
  identitystore: async () => (await import('@aws-sdk/client-identitystore')).IdentitystoreClient as ClientConstructor,
  kms: async () => (await import('@aws-sdk/client-kms')).KMSClient as ClientConstructor,
  logs: async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient as ClientConstructor,
  organizations: async () => (await import('@aws-sdk/client-organizations')).OrganizationsClient as ClientConstructor,
  route53: async () => (await import('@aws-sdk/client-route-53')).Route53Client as ClientConstructor,
  s3: async () => (await import('@aws-sdk/client-s3')).S3Client as ClientConstructor,
  s3control: async () => (await import('@aws-sdk/client-s3-control')).S3ControlClient as ClientConstructor,
  securityhub: async () => (await import('@aws-sdk/client-securityhub')).SecurityHubClient as ClientConstructor,
  sqs: async () => (await import('@aws-sdk/client-sqs')).SQSClient as ClientConstructor,
  ssm: async () => (await import('@aws-sdk/client-ssm')).SSMClient as ClientConstructor,
  ssoadmin: async () => (await import('@aws-sdk/client-sso-admin')).SSOAdminClient as ClientConstructor,
  sts: async () => (await import('@aws-sdk/client-sts')).STSClient as ClientConstructor,
};

const fixedEndpoint = (endpoint: string) => () => ({ url: new URL(endpoint) });

/** One command on its way to AWS, as the observer sees it. */
export interface AwsCall {
  service: string;
  operation: string;
  /** The account whose credentials sign the call; `ambient` for the caller's own. */
  account: string;
  region: string;
  input: unknown;
}

export interface AwsOptions {
  region: string;
  /** The local emulator's URL; absent for AWS. */
  endpoint?: string;
  /** Static credentials (the emulator); absent to use the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The shared-config profile the SDK's chain reads (--profile); absent: AWS_PROFILE, or the chain's usual order. */
  profile?: string;
  /** Role assumed to act in another account. */
  roleName?: string;
  /** Another role than `roleName` in these accounts (the sandbox run as a CI role: ORGVEND_SANDBOX_ROLE). */
  roleNames?: Readonly<Record<string, string>>;
  onCall?: (call: AwsCall) => void;
  /** Replaces HTTP (tests that inject faults below the retry layer). */
  requestHandler?: unknown;
  /** Changes to DEFAULT_RETRY_POLICY (retry.ts): backoff, budget, pacing. */
  retry?: Partial<RetryPolicy>;
}

const AMBIENT = 'ambient';

/** Who the caller's own credentials belong to, as sts:GetCallerIdentity says. */
export interface CallerIdentity {
  account: string;
  arn: string;
}

type CredentialProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;

/** A named role in an account, assumed with the credentials of `via` (an account the factory signs as; undefined: the caller). */
export interface AssumedRole {
  role: string;
  via: string | undefined;
}

/** Credentials of an assumed role are renewed this long before they expire (as the SDK renews its own). */
const ROLE_REFRESH_MS = 5 * 60_000;

export class ClientFactory {
  private readonly clients = new Map<string, Promise<unknown>>();
  private caller: Promise<CallerIdentity> | undefined;
  /** The SDK's credential chain, resolved once for every client signed as the caller. */
  private chain: CredentialProvider | undefined;
  /** Per account and operation, shared by the clients of every region. */
  private paces: Paces | undefined;
  /** Credentials of roles assumed with roleCredentials, by account, role and who assumed it. */
  private readonly roles = new Map<string, CredentialProvider>();

  constructor(readonly options: AwsOptions) {}

  /** True when talking to a local emulator rather than AWS. */
  get isEmulator(): boolean {
    return this.options.endpoint !== undefined;
  }

  /**
   * A client for `service`, signed as `account` (assuming a role into it), or as the caller;
   * `through`: as that role in `account`, assumed with the credentials of `through.via`.
   */
  client<S extends ServiceName>(service: S, account?: string, region = this.options.region, through?: AssumedRole): Promise<ServiceClients[S]> {
    const key = `${service}/${account ?? AMBIENT}/${region}${through ? `/${through.role}@${through.via ?? AMBIENT}` : ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(service, account, region, through);
      this.clients.set(key, client);
    }
    return client as Promise<ServiceClients[S]>;
  }

  /**
   * The credentials of `through.role` in `account`, assumed once and shared by every client
   * signed with them (every service and region) until a few minutes before they expire;
   * a refusal is not kept, so the next call asks again.
   */
  roleCredentials(account: string, through: AssumedRole): CredentialProvider {
    const key = `${account}/${through.role}@${through.via ?? AMBIENT}`;
    let provider = this.roles.get(key);
    if (!provider) {
      const arn = roleArn(account, through.role);
      let current: ReturnType<CredentialProvider> | undefined;
      const fresh: CredentialProvider = async () => {
        const held = current && (await current.catch(() => undefined));
        if (!held || (held.expiration && held.expiration.getTime() - Date.now() < ROLE_REFRESH_MS)) current = this.assume(arn, through.via);
        return current!;
      };
      provider = fresh;
      this.roles.set(key, fresh);
    }
    return provider;
  }

  /** The same factory seen from one account: what handlers and the CLI are given. */
  forAccount(account: string | undefined): AccountClients {
    return new AccountClients(this, account);
  }

  /**
   * Who the caller's own credentials are (asked once). The credentials are resolved
   * first, so a chain that finds none fails here without a request being sent.
   */
  callerIdentity(): Promise<CallerIdentity> {
    return (this.caller ??= (async () => {
      const credentials = await this.ownCredentials();
      if (typeof credentials === 'function') await credentials();
      const [{ GetCallerIdentityCommand }, sts] = await Promise.all([import('@aws-sdk/client-sts'), this.client('sts')]);
      const { Account, Arn } = await sts.send(new GetCallerIdentityCommand({}));
      return { account: Account!, arn: Arn! };
    })());
  }

  /**
   * The caller's own credentials: the static ones given (the emulator), or the SDK's
   * default chain (environment, profile, SSO, web identity, instance role) with
   * `profile`, one provider shared by every client, so a profile that assumes a role or
   * asks for MFA does so once.
   */
  private async ownCredentials(): Promise<AwsOptions['credentials'] | CredentialProvider> {
    if (this.options.credentials) return this.options.credentials;
    if (!this.chain) {
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      this.chain = defaultProvider(this.options.profile ? { profile: this.options.profile } : {}) as CredentialProvider;
    }
    return this.chain;
  }

  private async create(service: ServiceName, account: string | undefined, region: string, through?: AssumedRole): Promise<unknown> {
    const [Client, { DEFAULT_RETRY_POLICY, PacedRetryStrategy, retryThrottledEntries }, { Paces, paceCalls }] = await Promise.all([LOADERS[service](), import('./retry.js'), import('./pacing.js')]);
    // AWS's quotas are AWS's: the local emulator has none, and pacing it would only slow the sandbox and the tests.
    const policy = { ...DEFAULT_RETRY_POLICY, ...(this.isEmulator ? { rates: {} } : {}), ...this.options.retry };
    const paces = (this.paces ??= new Paces(policy.rates));
    // Acting in the caller's own account needs no role; any other account, the role into it.
    const own = account === undefined || (!this.isEmulator && account === (await this.callerIdentity()).account);
    const client = new Client({
      region,
      endpoint: this.options.endpoint,
      // The emulator serves buckets by path, not by host name.
      ...(service === 's3' && this.options.endpoint ? { forcePathStyle: true } : {}),
      // S3 Control's endpoint rules put the account id in front of the host (123456789012.s3-control…),
      // which the emulator's address (an IP) cannot take: there every call goes to the address as it is.
      ...(service === 's3control' && this.options.endpoint ? { endpointProvider: fixedEndpoint(this.options.endpoint) } : {}),
      credentials: through ? this.roleCredentials(account!, through) : own ? await this.ownCredentials() : this.assumedCredentials(account!),
      // A profile may also set where and how to call AWS (endpoint_url, …), as it would for the AWS CLI.
      ...(this.options.profile ? { profile: this.options.profile } : {}),
      // One strategy per client: its retry budget and adaptive rate are this client's.
      retryStrategy: new PacedRetryStrategy(policy),
      maxAttempts: policy.maxAttempts,
      ...(this.options.requestHandler ? { requestHandler: this.options.requestHandler } : {}),
    });
    markRetryable(client);
    if (service === 'events') retryThrottledEntries(client);
    paceCalls(client, (operation) => paces.of(account ?? AMBIENT, service, operation));
    const onCall = this.options.onCall;
    if (onCall) observeCalls(client, (operation, input) => onCall({ service, operation, account: account ?? AMBIENT, region, input }));
    return client;
  }

  /** The role assumed to act in `account`. */
  roleArnIn(account: string): string {
    return roleArn(account, this.roleNameIn(account));
  }

  private roleNameIn(account: string): string {
    return this.options.roleNames?.[account] ?? this.options.roleName ?? NAMES.memberAccessRole;
  }

  /** `roleArn`'s credentials, assumed with `via`'s (undefined: the caller's). */
  private async assume(roleArn: string, via: string | undefined): ReturnType<CredentialProvider> {
    const [{ AssumeRoleCommand }, sts] = await Promise.all([import('@aws-sdk/client-sts'), this.client('sts', via)]);
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'orgvend' }));
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }

  /** The role inAccount(`account`) takes, assumed with the caller's credentials: one AssumeRole for all its clients (roleCredentials). */
  private assumedCredentials(account: string): CredentialProvider {
    return this.roleCredentials(account, { role: this.roleNameIn(account), via: undefined });
  }
}

/** Clients signed as one account (`through`: as that role there). */
export class AccountClients {
  constructor(
    private readonly factory: ClientFactory,
    readonly account: string | undefined,
    private readonly through?: AssumedRole,
  ) {}

  get isEmulator(): boolean {
    return this.factory.isEmulator;
  }

  client<S extends ServiceName>(service: S, region?: string): Promise<ServiceClients[S]> {
    return this.factory.client(service, this.account, region, this.through);
  }

  /**
   * Clients signed as the role `role` in `account`, assumed with this account's credentials
   * (not the role inAccount takes): what that role's policy allows, and nothing else.
   */
  asRole(account: string, role: string): AccountClients {
    return new AccountClients(this.factory, account, { role, via: this.account });
  }

  /** The credentials these clients sign with, assumed now if they are a role's: throws what AssumeRole throws. */
  async assumed(): Promise<void> {
    if (this.through && this.account) await this.factory.roleCredentials(this.account, this.through)();
  }

  /** Clients signed as another account, through the role into it (NAMES.memberAccessRole in AWS). */
  inAccount(account: string): AccountClients {
    return this.factory.forAccount(account);
  }

  /** The role `inAccount(account)` assumes. */
  roleArnIn(account: string): string {
    return this.factory.roleArnIn(account);
  }
}
