/**
 * The CICD account's request key (see protocol/signature.ts): an asymmetric KMS key that
 * bootstrap makes once, by its alias, and whose public key it gives every handler. Made
 * through KMS rather than the stack, because every stack (the CICD account's last) is
 * rendered with its public key.
 */
import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand, ScheduleKeyDeletionCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { AccountClients } from '../aws/clients.js';
import { REQUEST_KEY_ALIAS, REQUEST_KEY_SPEC } from '../protocol/signature.js';

/**
 * The key's policy: the CICD account administers and uses it through IAM, nobody else can
 * do anything with it. Which of its principals may sign (kms:Sign) is their IAM policies'
 * business: the CLI's role, and no one whose requests should not be served.
 */
export function requestKeyPolicy(cicdAccountId: string, partition = 'aws'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CicdAccountOnly',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${cicdAccountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

/** The key's public key (base64 DER), or undefined when bootstrap has not made it yet. */
export async function readRequestKey(cicd: AccountClients): Promise<string | undefined> {
  const kms = await cicd.client('kms');
  try {
    return await publicKey(kms);
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return undefined;
    throw error;
  }
}

async function publicKey(kms: KMSClient): Promise<string> {
  const { PublicKey, KeySpec: spec, CustomerMasterKeySpec: legacySpec, KeyUsage } = await kms.send(new GetPublicKeyCommand({ KeyId: REQUEST_KEY_ALIAS }));
  // CustomerMasterKeySpec is KeySpec's older name, which some endpoints (the emulator) still give alone.
  const KeySpec = spec ?? legacySpec;
  if (KeySpec !== REQUEST_KEY_SPEC || KeyUsage !== 'SIGN_VERIFY') {
    throw new Error(`${REQUEST_KEY_ALIAS} in the CICD account is a ${KeySpec} ${KeyUsage} key, not an ${REQUEST_KEY_SPEC} signing key: point the alias at orgvend's key, or delete it and run bootstrap again`);
  }
  return Buffer.from(PublicKey!).toString('base64');
}

/** Makes the key and its alias (unless another run just did), and gives its public key. */
export async function createRequestKey(cicd: AccountClients, cicdAccountId: string): Promise<string> {
  const kms = await cicd.client('kms');
  const existing = await readRequestKey(cicd);
  if (existing) return existing;
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({
      KeySpec: REQUEST_KEY_SPEC,
      KeyUsage: 'SIGN_VERIFY',
      Description: 'orgvend: signs the requests the CICD account sends; every orgvend handler verifies them',
      Policy: requestKeyPolicy(cicdAccountId),
      Tags: [{ TagKey: 'managed-by', TagValue: 'orgvend' }],
    }),
  );
  try {
    await kms.send(new CreateAliasCommand({ AliasName: REQUEST_KEY_ALIAS, TargetKeyId: KeyMetadata!.KeyId! }));
  } catch (error) {
    if ((error as Error).name !== 'AlreadyExistsException') throw error;
    // Another bootstrap made it meanwhile: its key is the one, and ours goes.
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId!, PendingWindowInDays: 7 }));
  }
  return publicKey(kms);
}
