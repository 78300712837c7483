/**
 * Requests are signed by the CICD account and verified by every handler, so a handler can
 * tell a request the CICD account sent from a message someone else wrote onto its queue:
 * the SQS body, `account` included, is whatever its sender wrote. The key is an asymmetric
 * KMS key in the CICD account (REQUEST_KEY_ALIAS, ECC_NIST_P256): the CLI asks KMS to sign,
 * the private key never leaves KMS, and each handler checks the signature with the public
 * key the administrator's bootstrap gave it. A handler needs no call to verify.
 *
 * What is signed: the SHA-256 of the canonical JSON (keys sorted) of the event's source,
 * detail-type and detail without its signature, signed as a RAW message with
 * ECDSA_SHA_256 (so KMS hashes it once more; node:crypto's verify does the same). The
 * detail holds the nonce, sent_at, the target account, dryrun and the payload, so none of
 * them can be changed or a request moved to another account without breaking it.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

export const REQUEST_KEY_ALIAS = 'alias/orgvend-requests';
export const REQUEST_KEY_SPEC = 'ECC_NIST_P256';
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/** A JSON value with every object's keys sorted, so both sides serialise it the same way. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The 32 bytes signed for a request: its source, type and detail (without `signature`). */
export function signingDigest(source: string, detailType: string, detail: object): Buffer {
  const { signature: _ignored, ...unsigned } = detail as { signature?: unknown };
  return createHash('sha256').update(JSON.stringify(canonical({ source, 'detail-type': detailType, detail: unsigned }))).digest();
}

/** Signs a digest with the CICD account's request key (KMS in AWS and the sandbox; a local key in unit tests). */
export interface RequestSigner {
  /** The DER-encoded ECDSA signature of `digest`, base64. */
  sign(digest: Buffer): Promise<string>;
}

/** The public key a handler verifies with: base64 DER (SubjectPublicKeyInfo), as KMS's GetPublicKey gives it. */
export function requestVerifier(publicKeyBase64: string): (digest: Buffer, signature: string) => boolean {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new Error(`the request key's public key is not a DER public key: ${(error as Error).message}`);
  }
  return (digest, signature) => {
    try {
      return verify('sha256', digest, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  };
}
