/**
 * The caller's own AWS credentials, checked once before anything is sent: the profile
 * named exists, the SDK's chain finds credentials, and AWS accepts them. Every failure
 * becomes one CredentialsError line saying what was found and what to do, never an SDK
 * message alone. The SDK's own chain decides where credentials come from; this module only
 * reads the same shared files to say which profile is meant and whether it is there.
 */
import { CredentialsError } from '../errors.js';
import type { CallerIdentity, ClientFactory } from './clients.js';

/** Where the credentials were looked for, in the chain's order. */
const LOOKED_AT = 'env, AWS_PROFILE/--profile, SSO, instance role';

/** Where the caller's credentials come from, as the SDK's chain picks them. */
export interface CredentialSource {
  /** The profile the chain reads: --profile, else AWS_PROFILE; absent when neither names one. */
  profile?: string;
  /** Which of the two named it. */
  via?: '--profile' | 'AWS_PROFILE';
  /** No profile named, and AWS_ACCESS_KEY_ID is set: the chain takes the environment's keys. */
  environment: boolean;
  /** No profile or keys named, and AWS_ROLE_ARN with a web identity token (CI's OIDC): the role the chain assumes. */
  webIdentityRole?: string;
}

export function credentialSource(profile: string | undefined, env: Record<string, string | undefined> = process.env): CredentialSource {
  if (profile) return { profile, via: '--profile', environment: false };
  if (env.AWS_PROFILE) return { profile: env.AWS_PROFILE, via: 'AWS_PROFILE', environment: false };
  if (!env.AWS_ACCESS_KEY_ID && env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return { environment: false, webIdentityRole: env.AWS_ROLE_ARN };
  return { environment: Boolean(env.AWS_ACCESS_KEY_ID) };
}

/** How a line names the source: `profile admin`, `the environment's AWS_ACCESS_KEY_ID`, … */
export function describeSource(source: CredentialSource): string {
  if (source.profile) return `profile ${source.profile}`;
  if (source.webIdentityRole) return `the web identity for ${source.webIdentityRole}`;
  return source.environment ? "the environment's AWS_ACCESS_KEY_ID" : 'the default profile or instance role';
}

/** The shared files the SDK reads (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured), and what they hold. */
async function sharedFiles(env: Record<string, string | undefined>) {
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  return {
    ...files,
    configPath: env.AWS_CONFIG_FILE ?? '~/.aws/config',
    credentialsPath: env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials',
  };
}

/** A named profile must be in one of the shared files: the chain would otherwise say only that it found nothing. */
async function checkProfile(source: CredentialSource, env: Record<string, string | undefined>): Promise<void> {
  if (!source.profile) return;
  const files = await sharedFiles(env);
  if (files.configFile[source.profile] || files.credentialsFile[source.profile]) return;
  const named = source.via === 'AWS_PROFILE' ? ' (from AWS_PROFILE)' : '';
  throw new CredentialsError('unknown-profile', `profile "${source.profile}"${named} is not in ${files.configPath} or ${files.credentialsPath}; aws configure list-profiles lists the profiles there`);
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException']);
const REFUSED = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'AccessDenied', 'AccessDeniedException']);

/** One line for a failure to resolve the credentials or to have AWS accept them. */
async function explain(error: Error, source: CredentialSource, env: Record<string, string | undefined>): Promise<CredentialsError> {
  const which = describeSource(source);
  const refresh = async () => {
    if (source.environment) return 'set fresh ones in the environment';
    if (source.webIdentityRole) return 'run again with a fresh web identity token';
    const profile = source.profile ?? 'default';
    const section = (await sharedFiles(env)).configFile[profile] ?? {};
    const sso = Boolean(section.sso_start_url ?? section.sso_session);
    return sso ? `run aws sso login --profile ${profile}` : `refresh the credentials of profile ${profile}`;
  };
  if (error.name === 'CredentialsProviderError') {
    // The SSO provider's own words for a session that has expired or was never started.
    if (/SSO session|SSO.*token|expired/i.test(error.message)) {
      return new CredentialsError('expired', `the credentials of ${which} have expired; ${await refresh()}`);
    }
    if (source.profile && /Could not load credentials from any providers/.test(error.message)) {
      return new CredentialsError('no-credentials', `profile ${source.profile} holds no credentials the SDK can use (keys, a role, SSO or credential_process); run with --sandbox to try orgvend without AWS, or choose another profile`);
    }
    if (/Could not load credentials from any providers/.test(error.message) || !source.profile) {
      return new CredentialsError(
        'no-credentials',
        `no AWS credentials found (looked at: ${LOOKED_AT}); run with --sandbox to try orgvend without AWS, or set AWS_PROFILE / --profile`,
      );
    }
    return new CredentialsError('invalid', `the credentials of ${which} could not be loaded: ${error.message}`);
  }
  if (EXPIRED.has(error.name)) return new CredentialsError('expired', `the credentials of ${which} have expired; ${await refresh()}`);
  if (REFUSED.has(error.name)) {
    return new CredentialsError('invalid', `AWS refused the credentials of ${which} (${error.name}): they are not valid keys, or not allowed sts:GetCallerIdentity; check them with aws sts get-caller-identity`);
  }
  return new CredentialsError('invalid', `could not check the credentials of ${which} with sts:GetCallerIdentity: ${error.message}${error.name && error.name !== 'Error' ? ` (${error.name})` : ''}`);
}

/**
 * Who the caller is, asked once through `factory` (whose answer later calls reuse). A
 * profile named but absent is refused before any client is made; credentials the chain
 * cannot find or AWS refuses become one line.
 */
export async function checkedCaller(factory: ClientFactory, source: CredentialSource, env: Record<string, string | undefined> = process.env): Promise<CallerIdentity> {
  await checkProfile(source, env);
  try {
    return await factory.callerIdentity();
  } catch (error) {
    throw await explain(error as Error, source, env);
  }
}
