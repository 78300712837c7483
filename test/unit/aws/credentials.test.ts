/**
 * What AWS answers to credentials the chain found: moto accepts any keys and never lets
 * a token expire, so these answers (ExpiredToken, InvalidClientTokenId) come from
 * aws-sdk-client-mock, as do credentials about to expire. Unmocked commands fail.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ClientFactory } from '../../../src/aws/clients.js';
import { checkedCaller, credentialSource, describeSource } from '../../../src/aws/credentials.js';
import { assumedRoleOf } from '../../../src/cli/identity.js';
import { CredentialsError } from '../../../src/errors.js';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());
// Files share a worker's modules (isolate: false): a stub left behind would answer other files' calls.
afterAll(() => sts.restore());

const factory = () => new ClientFactory({ region: 'ap-southeast-2', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } });
/** Who the factory's own credentials belong to, as STS answers. */
const CALLER = { Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/orgvend-apply/ci' };
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 403 } });

async function refusal(name: string, message: string): Promise<CredentialsError> {
  sts.onAnyCommand().rejects(new Error('unexpected command'));
  sts.on(GetCallerIdentityCommand).rejects(awsError(name, message));
  const error = await checkedCaller(factory(), credentialSource(undefined, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }), { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CredentialsError);
  return error as CredentialsError;
}

describe('credentials AWS does not accept', () => {
  it('says expired session credentials have expired, not the SDK message', async () => {
    const error = await refusal('ExpiredToken', 'The security token included in the request is expired');
    expect(error.reason).toBe('expired');
    expect(error.line).toBe("the credentials of the environment's AWS_ACCESS_KEY_ID have expired; set fresh ones in the environment");
  });

  it('says keys AWS does not know were refused, with the error code', async () => {
    const error = await refusal('InvalidClientTokenId', 'The security token included in the request is invalid.');
    expect(error.reason).toBe('invalid');
    expect(error.line).toBe(
      "AWS refused the credentials of the environment's AWS_ACCESS_KEY_ID (InvalidClientTokenId): they are not valid keys, or not allowed sts:GetCallerIdentity; check them with aws sts get-caller-identity",
    );
  });

  it('asks who the caller is once, however often the factory needs it', async () => {
    sts.on(GetCallerIdentityCommand).resolves(CALLER);
    const f = factory();
    const source = credentialSource(undefined, {});
    expect(await checkedCaller(f, source, {})).toEqual({ account: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/orgvend-apply/ci' });
    await f.callerIdentity();
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });
});

describe('the role into another account', () => {
  const credentials = (minutes: number) => ({ AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + minutes * 60_000) });
  const resolved = async (f: ClientFactory, service: 'ssm' | 'cloudformation' | 'organizations', account: string, region: string) => {
    const client = await f.forAccount(account).client(service, region);
    return client.config.credentials();
  };

  it('is assumed once for every client signed in that account, whatever its service or region', async () => {
    sts.on(GetCallerIdentityCommand).resolves(CALLER);
    sts.on(AssumeRoleCommand).resolves({ Credentials: credentials(60) });
    const f = factory();
    for (const service of ['ssm', 'cloudformation', 'organizations'] as const) {
      for (const region of ['ap-southeast-2', 'us-east-1']) expect((await resolved(f, service, '333333333333', region)).accessKeyId).toBe('ASIAEXAMPLE');
    }
    await resolved(f, 'ssm', '444444444444', 'ap-southeast-2');
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn)).toEqual([
      'arn:aws:iam::333333333333:role/OrganizationAccountAccessRole',
      'arn:aws:iam::444444444444:role/OrganizationAccountAccessRole',
    ]);
  });

  it('is assumed again when its credentials are about to expire, and after a refusal', async () => {
    sts.on(GetCallerIdentityCommand).resolves(CALLER);
    sts.on(AssumeRoleCommand).rejectsOnce(awsError('AccessDenied', 'not authorized')).resolvesOnce({ Credentials: credentials(2) }).resolves({ Credentials: credentials(60) });
    const f = factory();
    await expect(resolved(f, 'ssm', '333333333333', 'ap-southeast-2')).rejects.toThrow('not authorized');
    await resolved(f, 'ssm', '333333333333', 'ap-southeast-2');
    await resolved(f, 'cloudformation', '333333333333', 'ap-southeast-2');
    await resolved(f, 'cloudformation', '333333333333', 'ap-southeast-2');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });
});

describe('where the credentials come from', () => {
  it('is --profile, then AWS_PROFILE, then the environment keys, then a web identity', () => {
    const env = { AWS_PROFILE: 'admin', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_WEB_IDENTITY_TOKEN_FILE: '/token', AWS_ROLE_ARN: 'arn:aws:iam::222222222222:role/orgvend-plan' };
    expect(describeSource(credentialSource('ci', env))).toBe('profile ci');
    expect(credentialSource(undefined, env)).toEqual({ profile: 'admin', via: 'AWS_PROFILE', environment: false });
    expect(describeSource(credentialSource(undefined, { ...env, AWS_PROFILE: undefined }))).toBe("the environment's AWS_ACCESS_KEY_ID");
    expect(describeSource(credentialSource(undefined, { ...env, AWS_PROFILE: undefined, AWS_ACCESS_KEY_ID: undefined }))).toBe('the web identity for arn:aws:iam::222222222222:role/orgvend-plan');
    expect(describeSource(credentialSource(undefined, {}))).toBe('the default profile or instance role');
  });
});

describe('the role in a caller ARN', () => {
  it('is read from an assumed-role ARN only', () => {
    expect(assumedRoleOf('arn:aws:sts::111111111111:assumed-role/orgvend-plan/pr-42')).toBe('orgvend-plan');
    expect(assumedRoleOf('arn:aws-us-gov:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com')).toBe('AWSReservedSSO_Admin_0123');
    expect(assumedRoleOf('arn:aws:iam::111111111111:user/orgvend-plan')).toBeUndefined();
  });
});
