/**
 * Rendered templates in the artifact buckets (organization.artifact_buckets, one per
 * region, in the CICD account where the CLI runs): each under a key made of its path and
 * its content's hash, so a file is uploaded once and a stack can name the exact version.
 * CloudFormation's ValidateTemplate checks each one first. Each bucket's index (INDEX_KEY)
 * lists the keys a run left there, so that the next run looks up, checks and uploads only
 * the templates that changed since.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ValidateTemplateCommand } from '@aws-sdk/client-cloudformation';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { AccountClients } from '../aws/clients.js';
import { artifactBucketProblem, objectExists, objectText } from '../aws/s3.js';
import type { Diagnostic } from '../config/diagnostics.js';
import type { Organization } from '../config/schema.js';
import { changeStepId, runChanges, type ExecutionHooks, type Step, type StepResult } from '../execute/graph.js';
import { digest, sortedEntries } from '../plan/digest.js';
import { makePlan, type Change, type Plan } from '../plan/plan.js';
import { MAX_TEMPLATE_BODY } from '../protocol/limits.js';
import type { RenderedTemplate } from './render.js';
import { byKey } from '../text-order.js';

const CALLS_IN_FLIGHT = 8;

/**
 * The object in each bucket that lists the templates the last run with --execute left
 * there, found or uploaded, as `{"version": 1, "objects": {"<key>": "<sha256>"}}`. A later
 * run takes a template whose key it lists with the template's whole SHA-256 (the key holds
 * 16 hex digits of it) as there, and those bytes as checked (they passed the checks before
 * they were uploaded): it neither looks it up nor checks it again, unless --refresh.
 * Under templates/, where the CI roles read and write, beside the content-addressed keys,
 * which all have a folder below templates/.
 */
export const INDEX_KEY = 'templates/orgvend-published.json';
const INDEX_VERSION = 1;
const IndexFile = z.object({ version: z.literal(INDEX_VERSION), objects: z.record(z.string(), z.string()) });

/** `templates/vpc/foo/<first 16 hex digits of the sha256>.yml` */
export function objectKey(template: Pick<RenderedTemplate, 'output' | 'sha256'>): string {
  const dot = template.output.lastIndexOf('.');
  return `templates/${template.output.slice(0, dot)}/${template.sha256.slice(0, 16)}${template.output.slice(dot)}`;
}

export async function validateWithCloudFormation(clients: AccountClients, templates: readonly RenderedTemplate[], display: (t: RenderedTemplate) => string): Promise<{ diagnostics: Diagnostic[]; notes: string[] }> {
  const cfn = await clients.client('cloudformation');
  const limit = pLimit(CALLS_IN_FLIGHT);
  const diagnostics: Diagnostic[] = [];
  const notes: string[] = [];
  await Promise.all(
    templates.map((t) =>
      limit(async () => {
        if (Buffer.byteLength(t.text) > MAX_TEMPLATE_BODY) {
          notes.push(`${display(t)} is over ${MAX_TEMPLATE_BODY} bytes: checked by cfn-lint here, by CloudFormation when deployed from S3`);
          return;
        }
        try {
          await cfn.send(new ValidateTemplateCommand({ TemplateBody: t.text }));
        } catch (error) {
          if ((error as Error).name !== 'ValidationError') throw error;
          diagnostics.push({ code: 'template-invalid', severity: 'error', file: display(t), line: 1, column: 1, length: 1, path: '', message: `CloudFormation: ${(error as Error).message}` });
        }
      }),
    ),
  );
  return { diagnostics, notes: notes.sort() };
}

export interface Published {
  /** `bucket/key` of every object that is there: looked up, or listed by the bucket's index where it is trusted. */
  present: Set<string>;
  /** Bucket → key → SHA-256, as its index lists them (none when it has no index, or one that is not orgvend's). */
  indexed: Map<string, ReadonlyMap<string, string>>;
  /** Keys a trusted index lists: those bytes were checked before they were uploaded. */
  vouched: Set<string>;
  /** Region → why its bucket cannot take the uploads (missing, in another region, not readable). */
  problems: Map<string, string>;
  notes: string[];
}

/** Key → SHA-256 of what `bucket`'s index lists; an index that is not one gets a note and lists nothing. */
async function readIndex(s3: S3Client, bucket: string, notes: string[]): Promise<Map<string, string>> {
  const text = await objectText(s3, bucket, INDEX_KEY);
  if (text === undefined) return new Map();
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch {
    index = undefined;
  }
  const parsed = IndexFile.safeParse(index);
  if (parsed.success) return new Map(Object.entries(parsed.data.objects));
  notes.push(`s3://${bucket}/${INDEX_KEY} is not an index orgvend wrote: it vouches for nothing, every template is looked up there (and checked), and --execute writes it again`);
  return new Map();
}

/**
 * Which of the templates' objects each bucket holds, once the bucket is found in its region
 * (a HEAD of an object in a missing bucket answers 404 as for a missing object). A key the
 * bucket's index lists is taken as there when `trustIndex` (not with --refresh); a key in
 * `known` (what an earlier read found) is taken as there; every other key is looked up.
 */
export async function readPublished(
  clients: AccountClients,
  org: Organization,
  templates: readonly RenderedTemplate[],
  options: { trustIndex: boolean; known?: ReadonlySet<string> },
): Promise<Published> {
  const limit = pLimit(CALLS_IN_FLIGHT);
  const published: Published = { present: new Set(), indexed: new Map(), vouched: new Set(), problems: new Map(), notes: [] };
  await Promise.all(
    Object.entries(org.artifact_buckets).map(async ([region, bucket]) => {
      const s3 = await clients.client('s3', region);
      const problem = await limit(() => artifactBucketProblem(s3, bucket!, region));
      if (problem) {
        published.problems.set(region, problem);
        return;
      }
      const indexed = await limit(() => readIndex(s3, bucket!, published.notes));
      published.indexed.set(bucket!, indexed);
      await Promise.all(
        templates.map((t) =>
          limit(async () => {
            const key = objectKey(t);
            const trusted = options.trustIndex && indexed.get(key) === t.sha256;
            if (trusted) published.vouched.add(key);
            if (trusted || options.known?.has(`${bucket}/${key}`) || (await objectExists(s3, bucket!, key))) published.present.add(`${bucket}/${key}`);
          }),
        ),
      );
    }),
  );
  published.notes.sort();
  return published;
}

/** The index `templates` give a bucket once they are all there: key → SHA-256, by key. */
const indexOf = (templates: readonly RenderedTemplate[]): [string, string][] => templates.map((t): [string, string] => [objectKey(t), t.sha256]).sort(byKey);

export function planUploads(org: Organization, templates: readonly RenderedTemplate[], published: Published, notes: string[]): Plan {
  const changes: Change[] = [];
  const conflicts: string[] = [];
  const objects = indexOf(templates);
  for (const [region, bucket] of Object.entries(org.artifact_buckets).sort(byKey)) {
    // An upload there would fail: the plan says so, as an error, instead of planning it.
    const problem = published.problems.get(region);
    if (problem) {
      conflicts.push(`${problem}; nothing is uploaded to it`);
      continue;
    }
    for (const t of templates) {
      const key = objectKey(t);
      if (published.present.has(`${bucket}/${key}`)) continue;
      changes.push({
        type: 'template.upload',
        target: `${t.output} @ ${region}`,
        reason: 'missing-in-bucket',
        before: null,
        after: { region, bucket, key, source: t.source, output: t.output, bytes: Buffer.byteLength(t.text), sha256: t.sha256 },
      });
    }
    // Written once every upload to the bucket is done (executeUploads), so that it lists only what is there.
    const indexed = published.indexed.get(bucket!)!;
    if (indexed.size === objects.length && objects.every(([key, sha]) => indexed.get(key) === sha)) continue;
    changes.push({
      type: 'template.index',
      target: `${INDEX_KEY} @ ${region}`,
      reason: indexed.size ? 'templates-changed' : 'missing-in-bucket',
      before: indexed.size ? { keys: indexed.size } : null,
      after: { region, bucket, key: INDEX_KEY, keys: objects.length, digest: digest(objects) },
    });
  }
  if (!Object.keys(org.artifact_buckets).length) notes.push('organization.artifact_buckets names no bucket: the templates are rendered and checked, not uploaded');
  const live = { present: [...published.present].sort(), indexed: sortedEntries(published.indexed).map(([bucket, listed]) => [bucket, sortedEntries(listed)]) };
  const basis = { config: digest(templates.map((t) => [t.output, t.sha256])), live: digest(live) };
  return makePlan('render-templates', basis, changes, { notes: [...notes, ...published.notes], conflicts });
}

export function executeUploads(plan: Plan, clients: AccountClients, templates: readonly RenderedTemplate[], hooks: ExecutionHooks = {}): Promise<Map<string, StepResult>> {
  const text = new Map(templates.map((t) => [t.sha256, t.text]));
  const objects = indexOf(templates);
  const bucketOf = (change: Change) => (change.after as { bucket: string }).bucket;
  const uploads = plan.changes.filter((c) => c.type === 'template.upload');
  // A bucket's index after its uploads: a failed upload leaves the old index, which does not list it.
  const steps: Step<Change>[] = plan.changes.map((change) => ({
    id: changeStepId(change),
    kind: change.type,
    dependsOn: change.type === 'template.index' ? uploads.filter((u) => bucketOf(u) === bucketOf(change)).map(changeStepId) : [],
    data: change,
  }));
  const put = async (region: string, bucket: string, key: string, body: string, contentType: string) => {
    const s3 = await clients.client('s3', region);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'AES256' }));
    return { bucket, key };
  };
  return runChanges(
    steps,
    {
      concurrency: () => CALLS_IN_FLIGHT,
      run: async (change) => {
        const changed = () => new Error(`${change.target}: the templates changed since the plan was made`);
        if (change.type === 'template.index') {
          const { region, bucket, digest: planned } = change.after as { region: string; bucket: string; digest: string };
          if (digest(objects) !== planned) throw changed();
          return put(region, bucket, INDEX_KEY, `${JSON.stringify({ version: INDEX_VERSION, objects: Object.fromEntries(objects) })}\n`, 'application/json');
        }
        const { region, bucket, key, sha256 } = change.after as { region: string; bucket: string; key: string; sha256: string };
        const body = text.get(sha256);
        if (body === undefined) throw changed();
        return put(region, bucket, key, body, 'text/yaml');
      },
    },
    hooks,
  );
}
