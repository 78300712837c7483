/**
 * The account's S3 Block Public Access (S3 Control's account-level setting), read with the
 * parameters and made all on or all off by PUT_PUBLIC_ACCESS_BLOCK. An account acts on its
 * own: S3 Control takes the account id, and only that account's credentials may change it.
 */
import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { publicAccessBlockOf, samePublicAccessBlock, type PayloadOf, type PublicAccessBlock, type ResultOf } from '../protocol/requests.js';
import type { Handler } from './context.js';

/** The account's setting; null when it has none (S3 then blocks nothing). */
export async function readPublicAccessBlock(client: S3ControlClient, accountId: string): Promise<PublicAccessBlock | null> {
  try {
    const { PublicAccessBlockConfiguration: c } = await client.send(new GetPublicAccessBlockCommand({ AccountId: accountId }));
    if (!c) return null;
    return {
      block_public_acls: c.BlockPublicAcls ?? false,
      ignore_public_acls: c.IgnorePublicAcls ?? false,
      block_public_policy: c.BlockPublicPolicy ?? false,
      restrict_public_buckets: c.RestrictPublicBuckets ?? false,
    };
  } catch (error) {
    if ((error as Error).name === 'NoSuchPublicAccessBlockConfiguration') return null;
    throw error;
  }
}

const asConfiguration = (block: PublicAccessBlock): PublicAccessBlockConfiguration => ({
  BlockPublicAcls: block.block_public_acls,
  IgnorePublicAcls: block.ignore_public_acls,
  BlockPublicPolicy: block.block_public_policy,
  RestrictPublicBuckets: block.restrict_public_buckets,
});

export const putPublicAccessBlock: Handler<PayloadOf<'PUT_PUBLIC_ACCESS_BLOCK'>, ResultOf<'PUT_PUBLIC_ACCESS_BLOCK'>> = async ({ block }, { clients, config, dryrun }) => {
  const client = await clients.client('s3control');
  const want = publicAccessBlockOf(block);
  if (samePublicAccessBlock(await readPublicAccessBlock(client, config.accountId), want)) return { outcome: 'unchanged' };
  if (dryrun) return { outcome: 'would-update' };
  // The whole configuration every time: a duplicate delivery puts the same again.
  await client.send(new PutPublicAccessBlockCommand({ AccountId: config.accountId, PublicAccessBlockConfiguration: asConfiguration(want) }));
  return { outcome: 'updated' };
};
