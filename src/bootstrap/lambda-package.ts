/**
 * The handler Lambda's code: the handler runtime bundled into one file with esbuild,
 * zipped deterministically, stored in the home region's artifact bucket under a key made
 * of its content hash, so an unchanged handler is neither uploaded nor redeployed.
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
  return { zip, sha256: sha256Hex(Buffer.concat([code, template])) };
}

export async function handlerCode(org: Organization, templatesDir: string, factory: ClientFactory, upload: boolean, log: (line: string) => void): Promise<LambdaCode> {
  const bucket = org.artifact_buckets[org.home_region];
  if (!bucket) {
    throw new Error(`organization.artifact_buckets has no bucket for the home region ${org.home_region}: the handler's code is stored there`);
  }
  const { zip, sha256 } = await packageHandler(templatesDir);
  const key = `orgvend/handler-${sha256.slice(0, 16)}.zip`;
  if (upload) {
    const [{ PutObjectCommand }, { objectExists }] = await Promise.all([import('@aws-sdk/client-s3'), import('../aws/s3.js')]);
    const s3 = await factory.client('s3');
    if (!(await objectExists(s3, bucket, key))) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: zip, ContentType: 'application/zip' }));
      log(`bootstrap: uploaded the handler to s3://${bucket}/${key} (${Math.round(zip.length / 1024)} KiB)`);
    }
  }
  return { bucket, key, version: version() };
}
