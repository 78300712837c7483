/**
 * The handler Lambda's code: the handler runtime bundled into one file with esbuild,
 * zipped deterministically, stored in the home region's artifact bucket under a key made
 * of the zip's hash, so an unchanged handler is neither uploaded nor redeployed. The key is
 * predictable, so anyone who may write to the bucket could put something there first: an
 * object found at the key is used only if its bytes are the zip built here, and every stack
 * pins the object version bootstrap checked or uploaded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientFactory } from '../aws/clients.js';
import type { Organization } from '../config/schema.js';
import { sha256Hex } from '../plan/digest.js';
import { BOOTSTRAP_TEMPLATE, type LambdaCode } from './render.js';

/** Fixed so the same code gives the same zip, byte for byte. */
const ZIP_TIME = new Date('2020-01-01T00:00:00Z');

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The handler entry next to this module: compiled (.js) when installed, source (.ts) in development. */
function entryPoint(): string {
  const compiled = fileURLToPath(new URL('../handlers/lambda.js', import.meta.url));
  return import.meta.url.endsWith('.ts') ? compiled.replace(/\.js$/, '.ts') : compiled;
}

/**
 * The handler with the bootstrap template beside it: the management handler renders a new
 * member's stack from it (BOOTSTRAP_ACCOUNTS).
 */
export async function packageHandler(templatesDir: string): Promise<{ zip: Uint8Array; sha256: string }> {
  const [{ build }, { zipSync }] = await Promise.all([import('esbuild'), import('fflate')]);
  const result = await build({
    entryPoints: [entryPoint()],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    write: false,
    // Some bundled CommonJS code calls require(); give ESM one.
    banner: { js: "import { createRequire as orgvendRequire } from 'node:module'; const require = orgvendRequire(import.meta.url);" },
  });
  const code = result.outputFiles[0]!.contents;
  const template = readFileSync(join(templatesDir, BOOTSTRAP_TEMPLATE));
  const zip = zipSync({ 'index.mjs': [code, { mtime: ZIP_TIME }], [BOOTSTRAP_TEMPLATE]: [template, { mtime: ZIP_TIME }] }, { level: 9 });
  return { zip, sha256: sha256Hex(zip) };
}

/** Where the zip whose SHA-256 (hex) is `sha256` is stored in the artifact bucket. */
export const handlerKey = (sha256: string) => `orgvend/handler-${sha256.slice(0, 16)}.zip`;

/**
 * What a plan without --execute renders for a zip not stored yet: its version is S3's to
 * give. An identifier, as everything bootstrap.yml.njk writes unquoted must be.
 */
export const NOT_UPLOADED = 'not-uploaded-yet';

/**
 * The handler's code for every account's stack. The artifact bucket must keep versions. An
 * object already at the key is read whole and hashed: the same bytes are used at their
 * version, anything else is refused before anything is deployed. Otherwise, with `upload`,
 * the zip is stored (S3 checks it against its SHA-256 on the way in) and the version S3
 * gives it is pinned; without, the plan says it would be.
 */
export async function handlerCode(org: Organization, templatesDir: string, factory: ClientFactory, upload: boolean, log: (line: string) => void): Promise<LambdaCode> {
  const bucket = org.artifact_buckets[org.home_region];
  if (!bucket) {
    throw new Error(`organization.artifact_buckets has no bucket for the home region ${org.home_region}: the handler's code is stored there`);
  }
  const [{ PutObjectCommand }, { artifactBucketProblem, bucketVersioning, storedObject }] = await Promise.all([import('@aws-sdk/client-s3'), import('../aws/s3.js')]);
  const s3 = await factory.client('s3', undefined, org.home_region);
  // What --execute needs of the bucket, checked by the dry run too: it is there, in its region, and readable.
  const problem = await artifactBucketProblem(s3, bucket, org.home_region);
  if (problem) throw new Error(`${problem}. bootstrap stores the handler's code there. Nothing was deployed.`);
  const { zip, sha256 } = await packageHandler(templatesDir);
  const key = handlerKey(sha256);
  const code = (objectVersion: string): LambdaCode => ({ bucket, key, objectVersion, version: `${version()}+${sha256.slice(0, 16)}` });
  const versioning = await bucketVersioning(s3, bucket);
  if (versioning !== 'Enabled') {
    throw new Error(
      `the artifact bucket ${bucket} does not keep object versions (versioning ${versioning ?? 'never enabled'}): bootstrap pins the handler Lambda to the version of its code it checked; enable versioning on the bucket and run bootstrap again. Nothing was deployed.`,
    );
  }
  const stored = await storedObject(s3, bucket, key);
  if (stored && stored.sha256 !== sha256) {
    throw new Error(
      `s3://${bucket}/${key} is not the handler bootstrap built (${stored.sha256 ? `its SHA-256 is ${stored.sha256}` : 'its bytes do not match the checksum stored with them'}; the handler's is ${sha256}): someone else wrote that key; delete the object and run bootstrap again. Nothing was deployed.`,
    );
  }
  // An object written before the bucket kept versions has the version "null", which a later write may replace: stored again, it gets one of its own.
  if (stored?.versionId && stored.versionId !== 'null') return code(stored.versionId);
  if (!upload) {
    log(`bootstrap: the handler is not in s3://${bucket}/${key} yet: --execute uploads it`);
    return code(NOT_UPLOADED);
  }
  const put = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip', ChecksumAlgorithm: 'SHA256', ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') }),
  );
  if (!put.VersionId || put.VersionId === 'null') throw new Error(`S3 gave no version to the handler stored at s3://${bucket}/${key}, so the Lambda cannot be pinned to it: is versioning enabled on ${bucket}? Nothing was deployed.`);
  log(`bootstrap: uploaded the handler to s3://${bucket}/${key}, version ${put.VersionId} (${Math.round(zip.length / 1024)} KiB)`);
  return code(put.VersionId);
}
