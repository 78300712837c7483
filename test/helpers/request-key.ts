/**
 * A request key for unit tests: an ECDSA P-256 pair made here, standing in for the CICD
 * account's KMS key (integration tests use KMS on moto). `sign` is what kmsSigner does
 * with KMS; `signed` turns an event into one the CICD account would have sent.
 */
import { generateKeyPairSync, sign as signWith } from 'node:crypto';
import { signingDigest, type RequestSigner } from '../../src/protocol/signature.js';

export interface TestRequestKey {
  /** As GetPublicKey gives it: base64 DER. */
  publicKey: string;
  signer: RequestSigner;
  /** The event with `detail.signature` made for its source, detail-type and detail. */
  signed<E extends { source: string; 'detail-type': string; detail: object }>(event: E): E;
}

export function testRequestKey(): TestRequestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sign = (digest: Buffer) => signWith('sha256', digest, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    signer: { sign: async (digest) => sign(digest) },
    signed: (event) => ({ ...event, detail: { ...event.detail, signature: sign(signingDigest(event.source, event['detail-type'], event.detail)) } }),
  };
}
