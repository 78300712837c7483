/**
 * The CLI's request signer: KMS signs with the CICD account's request key, which the CLI
 * can use but never read. One Sign call per request.
 */
import { SignCommand } from '@aws-sdk/client-kms';
import type { AccountClients } from '../aws/clients.js';
import { REQUEST_KEY_ALIAS, SIGNING_ALGORITHM, type RequestSigner } from '../protocol/signature.js';

export function kmsSigner(cicd: AccountClients, cicdAccountId: string, region: string): RequestSigner {
  return {
    async sign(digest) {
      const kms = await cicd.client('kms');
      try {
        const { Signature } = await kms.send(new SignCommand({ KeyId: REQUEST_KEY_ALIAS, Message: digest, MessageType: 'RAW', SigningAlgorithm: SIGNING_ALGORITHM }));
        return Buffer.from(Signature!).toString('base64');
      } catch (error) {
        const name = (error as Error).name;
        const where = `${REQUEST_KEY_ALIAS} in the CICD account ${cicdAccountId} (${region})`;
        if (name === 'NotFoundException') throw new Error(`there is no request-signing key ${where}: an administrator runs ./run.sh --action bootstrap --execute first`);
        if (name === 'AccessDeniedException') throw new Error(`these credentials may not sign requests with ${where}: the CLI's role needs kms:Sign on that key (docs/SECURITY.md)`);
        throw error;
      }
    },
  };
}
