/**
 * What checking a request's origin costs a handler: the signing digest (canonical JSON,
 * SHA-256) and the ECDSA P-256 verification, for a PING and for a DEPLOY_STACK carrying a
 * 50 KB template, with a key made here (KMS's Sign, the CLI's one call per request, is
 * measured end to end by sync-sandbox).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { requestVerifier, signingDigest } from '../src/protocol/signature.js';
import { timeRuns } from './timing.js';

const RUNS = 5;
const PER_RUN = 2000;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const verify = requestVerifier(publicKey.export({ format: 'der', type: 'spki' }).toString('base64'));

const base = { nonce: '6f1c1a52-3c38-4d8e-9a55-0d1c4a1b2c3d', dryrun: false, sent_at: new Date().toISOString(), sender: '222222222222', target_account: '444444444444' };
const requests = {
  PING: { ...base, payload: {} },
  DEPLOY_STACK: { ...base, payload: { name: 'foo', stack: 'orgvend-vpc', region: 'ap-southeast-2', template: 'Resources:\n'.padEnd(50_000, '#') } },
};

for (const [type, detail] of Object.entries(requests)) {
  const signature = sign('sha256', signingDigest('app.infra', type, detail), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  const timed = await timeRuns(RUNS, () => {
    let ok = 0;
    for (let i = 0; i < PER_RUN; i++) if (verify(signingDigest('app.infra', type, detail), signature)) ok += 1;
    return ok;
  });
  if (timed.last !== PER_RUN) throw new Error(`${type}: a signature did not verify`);
  console.log(JSON.stringify({ bench: `verify ${type}`, detail_bytes: JSON.stringify(detail).length, us_per_request: Math.round((timed.median_ms * 1000) / PER_RUN), min_us: Math.round((timed.min_ms * 1000) / PER_RUN) }));
}
