/** What more than one module asks S3. */
import { GetBucketVersioningCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sha256Hex } from '../plan/digest.js';

const isMissing = (error: unknown) => (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey';

/** Whether `bucket` holds `key` (HeadObject: a missing object is NotFound, or NoSuchKey on some endpoints). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** The text `bucket` holds under `key`, or undefined when there is no such object. */
export async function objectText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** `bucket`'s versioning: `Enabled`, `Suspended`, or undefined when it was never enabled. */
export async function bucketVersioning(s3: S3Client, bucket: string): Promise<string | undefined> {
  return (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
}

/**
 * The current version of `key` and the SHA-256 (hex) of its bytes, read whole: what is
 * hashed is what that version holds, whatever its writer claimed. The SDK also checks the
 * bytes against the checksum S3 returns with them: when they differ (an object that claims
 * another's checksum: AWS refuses such an upload, moto keeps it), `sha256` is undefined.
 * Undefined when there is no such object (or its current version is a delete marker).
 */
export async function storedObject(s3: S3Client, bucket: string, key: string): Promise<{ versionId?: string; sha256?: string } | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { versionId: object.VersionId, sha256: sha256Hex(await object.Body!.transformToByteArray()) };
  } catch (error) {
    if (isMissing(error)) return undefined;
    if ((error as Error).message.startsWith('Checksum mismatch')) return {};
    throw error;
  }
}

/**
 * Why the artifact bucket `organization.artifact_buckets.<region>` cannot be used by the
 * caller, in one line, or undefined when HeadBucket finds it in `region` and lets the
 * caller read it (s3:ListBucket). `s3` is a client of `region`. HeadBucket writes nothing,
 * so whether the caller may also write there is not known until it does.
 */
export async function artifactBucketProblem(s3: S3Client, bucket: string, region: string): Promise<string | undefined> {
  const named = `the artifact bucket ${bucket} (organization.artifact_buckets.${region})`;
  const elsewhere = (actual: string) => `${named} is in ${actual}, not ${region}: name a bucket of ${region} under that key`;
  try {
    const { BucketRegion } = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return BucketRegion && BucketRegion !== region ? elsewhere(BucketRegion) : undefined;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
    const status = e.$metadata?.httpStatusCode;
    const actual = e.$response?.headers?.['x-amz-bucket-region'];
    if (status === 301 && actual) return elsewhere(actual);
    if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket') return `${named} does not exist in ${region}: create it (with versioning) or name an existing one`;
    if (status === 403 || e.name === 'Forbidden') return `${named} in ${region} does not let the caller read it (HeadBucket was refused): its policy, or the caller's, must allow s3:ListBucket`;
    throw error;
  }
}
