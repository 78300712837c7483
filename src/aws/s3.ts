/** What more than one module asks S3. */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Whether `bucket` holds `key` (HeadObject: a missing object is NotFound, or NoSuchKey on some endpoints). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return false;
    throw error;
  }
}
