/**
 * Deploy one CloudFormation stack through a change set: create or update, "no changes" is
 * success, a stack left in ROLLBACK_COMPLETE by a failed first create is replaced. Used by
 * bootstrap (orgvend's own stack) and by the DEPLOY_STACK handler (the stacks rendered from
 * templates/). Reading
 * (`stackState`) sends nothing that changes anything, so dry runs use only that.
 */
import { makeOnce } from '../aws/once.js';
import {
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  paginateListChangeSets,
  paginateListStacks,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
  type ChangeSetSummary,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { sha256Hex } from '../plan/digest.js';
import type { ResourceChange } from '../protocol/requests.js';
import { everyPage } from '../aws/pages.js';
import { OWNER_TAG } from '../protocol/names.js';

export interface StackState {
  status?: string;
  /** The template the stack runs now, as it was submitted. */
  template?: string;
}

/** The stack's status alone (DescribeStacks, no template): undefined when there is none. */
export async function stackStatus(client: CloudFormationClient, stackName: string): Promise<string | undefined> {
  return (await describedStack(client, stackName))?.status;
}

/** The stack's status and tags (DescribeStacks, no template): undefined when there is none. */
export async function describedStack(client: CloudFormationClient, stackName: string): Promise<{ status: string | undefined; tags: Record<string, string> } | undefined> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    return stack && { status: stack.StackStatus, tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) };
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

/** CloudFormation's answer about a stack that is not there. */
const isMissingStack = (error: unknown) => (error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message);

/** `known`: the stack's status (undefined: none) when the caller has just read it, so that DescribeStacks is not sent again. */
export async function stackState(client: CloudFormationClient, stackName: string, known?: { status: string | undefined }): Promise<StackState> {
  const status = known ? known.status : await stackStatus(client, stackName);
  if (!status || status === 'REVIEW_IN_PROGRESS') return status ? { status } : {};
  const { TemplateBody } = await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }));
  return { status, template: TemplateBody };
}

const MAX_WAIT_SECONDS = 1800;

export interface DeployOptions {
  /** CloudFormation's service role; absent: the caller's own permissions. */
  roleArn?: string;
  /** Epoch ms after which a deployment still running is left to run and reported in-progress. */
  deadline?: number;
  progress?(line: string): void;
  /** Tags for the stack besides `managed-by=orgvend` (set through the change set, so on every deployment). */
  tags?: Readonly<Record<string, string>>;
}

export interface DeployResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'in-progress';
  status: string | null;
  /** The change set's changes, as CloudFormation summarised them. */
  changes: ResourceChange[];
}

/** Waiters poll from every MIN_DELAY to every MAX_DELAY seconds; they must be given more time than MIN_DELAY. */
const MIN_DELAY = 2;
const MAX_DELAY = 15;
/**
 * A waiter's settings for the time left until `deadline`, never past it: a wait the
 * deadline leaves no time for times out at once, and the caller reports the deployment
 * as still in progress (to be asked about again), so that no request holds its handler
 * past its own deadline.
 */
const until = (client: CloudFormationClient, deadline: number | undefined) => ({
  client,
  minDelay: MIN_DELAY,
  maxDelay: MAX_DELAY,
  maxWaitTime: Math.max(MIN_DELAY + 1, Math.floor(((deadline ?? Date.now() + MAX_WAIT_SECONDS * 1000) - Date.now()) / 1000)),
});
/** Not being changed: REVIEW_IN_PROGRESS is a new stack's change set never executed (a run that died), and stays so. */
export const settled = (status: string | undefined) => !status?.endsWith('_IN_PROGRESS') || status === 'REVIEW_IN_PROGRESS';

/** The first reason CloudFormation gives for a failed resource, newest first as it lists them. */
async function failureReason(client: CloudFormationClient, stackName: string): Promise<string | undefined> {
  const { StackEvents } = await client.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return StackEvents?.filter((e) => e.ResourceStatus?.endsWith('_FAILED') && e.ResourceStatusReason).at(-1)?.ResourceStatusReason;
}

/** Wait (until the deadline) for a stack to leave its *_IN_PROGRESS state, reading its status alone; its status at the end. */
async function waitSettled(client: CloudFormationClient, stackName: string, status: string | undefined, deadline: number | undefined): Promise<string | undefined> {
  while (!settled(status)) {
    if (Date.now() + 5000 > (deadline ?? Infinity)) return status;
    await new Promise((r) => setTimeout(r, 5000));
    status = await stackStatus(client, stackName);
  }
  return status;
}

/**
 * After a waiter gave up: the stack's status when it is still being changed, or undefined
 * when it is gone; any other status is a failure, thrown with CloudFormation's reason.
 */
async function unfinished(client: CloudFormationClient, stackName: string, error: unknown): Promise<string | undefined> {
  const status = await stackStatus(client, stackName);
  if (!status || !settled(status)) return status;
  const reason = await failureReason(client, stackName);
  throw new Error(`${stackName} is ${status}${reason ? `: ${reason}` : ''} (${(error as Error).message.split('\n')[0]})`);
}

/** States CloudFormation cannot deploy from: a person must delete the stack. */
const UNRECOVERABLE = new Set(['ROLLBACK_FAILED', 'DELETE_FAILED', 'IMPORT_ROLLBACK_FAILED']);

/** What orgvend writes in its change sets' descriptions: the template they carry, so that one left behind can be recognised. */
const templateMark = (template: string) => `orgvend template sha256:${sha256Hex(template.trim()).slice(0, 32)}`;

/**
 * orgvend's change sets of the stack that were never executed (a run that stopped between
 * making one and executing it): the name of one that carries `mark`, ready to execute, if
 * there is one; every other one is deleted, so none is left behind.
 */
async function leftChangeSets(client: CloudFormationClient, stackName: string, deadline: number | undefined, progress: (line: string) => void, mark: string): Promise<string | undefined> {
  const summaries: ChangeSetSummary[] = [];
  try {
    for await (const page of everyPage(paginateListChangeSets({ client }, { StackName: stackName }))) summaries.push(...(page.Summaries ?? []));
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
  let reuse: string | undefined;
  // This stack's alone (moto lists every stack's change sets, whatever StackName says).
  const ours = summaries.filter((c) => c.StackName === stackName && c.ChangeSetName?.startsWith('orgvend-') && !/EXECUTE_(IN_PROGRESS|COMPLETE|FAILED)|OBSOLETE/.test(c.ExecutionStatus ?? ''));
  for (const summary of ours) {
    const ref = { StackName: stackName, ChangeSetName: summary.ChangeSetName! };
    let status = summary.Status;
    if (status === 'CREATE_PENDING' || status === 'CREATE_IN_PROGRESS') {
      await waitUntilChangeSetCreateComplete(until(client, deadline), ref).catch(() => undefined);
      status = (await client.send(new DescribeChangeSetCommand(ref))).Status;
    }
    if (!reuse && status === 'CREATE_COMPLETE' && summary.Description === mark) {
      progress(`${stackName}: going on with change set ${ref.ChangeSetName}, which a run that stopped made and never executed`);
      reuse = ref.ChangeSetName;
    } else {
      progress(`${stackName}: deleting change set ${ref.ChangeSetName}, which a run that stopped left behind`);
      await client.send(new DeleteChangeSetCommand(ref));
    }
  }
  return reuse;
}

/**
 * Deploy `template` as `stackName`: once, whatever the state the stack is found in. A stack
 * still deploying (an earlier request's) is waited for first; one left in ROLLBACK_COMPLETE
 * by a failed first create is deleted and created again.
 */
export async function deployStack(client: CloudFormationClient, stackName: string, template: string, options: DeployOptions = {}): Promise<DeployResult> {
  const { deadline, progress = () => {} } = options;
  let state = await stackState(client, stackName);
  if (!settled(state.status)) {
    const status = await waitSettled(client, stackName, state.status, deadline);
    if (!settled(status)) return { outcome: 'in-progress', status: status ?? null, changes: [] };
    state = await stackState(client, stackName);
  }
  if (state.status === 'ROLLBACK_COMPLETE') {
    progress(`${stackName}: replacing the stack left by a failed create`);
    await client.send(new DeleteStackCommand({ StackName: stackName }));
    await waitUntilStackDeleteComplete(until(client, deadline), { StackName: stackName });
    state = {};
  }
  if (state.status === 'UPDATE_ROLLBACK_FAILED') {
    progress(`${stackName}: continuing the rollback of a failed update`);
    await client.send(new ContinueUpdateRollbackCommand({ StackName: stackName, ...(options.roleArn ? { RoleARN: options.roleArn } : {}) }));
    const status = await waitSettled(client, stackName, 'UPDATE_ROLLBACK_IN_PROGRESS', deadline);
    if (!settled(status)) return { outcome: 'in-progress', status: status ?? null, changes: [] };
    if (status === 'UPDATE_ROLLBACK_FAILED') throw new Error(`${stackName} is UPDATE_ROLLBACK_FAILED again: ${(await failureReason(client, stackName)) ?? 'no reason given'}; fix what CloudFormation names (or skip those resources with ContinueUpdateRollback) and run again`);
    state = await stackState(client, stackName);
  }
  if (state.status && UNRECOVERABLE.has(state.status)) {
    throw new Error(`${stackName} is ${state.status}: ${(await failureReason(client, stackName)) ?? 'no reason given'}; CloudFormation cannot go on from there: delete the stack (retaining what it names) and run again`);
  }
  const create = !state.template;
  // A change set a run that stopped left behind: executed when it holds this template, deleted otherwise.
  const mark = templateMark(template);
  const left = await leftChangeSets(client, stackName, deadline, progress, mark);
  if (!left && state.status === 'REVIEW_IN_PROGRESS') {
    // A new stack that never ran (it holds no resources), whose change sets are gone: started
    // over, as the first create of it (moto, besides, never finishes a second CREATE change set on it).
    await client.send(new DeleteStackCommand({ StackName: stackName }));
    await waitUntilStackDeleteComplete(until(client, deadline), { StackName: stackName });
  }
  const changeSetName = left ?? `orgvend-${Date.now()}`;
  const ref = { StackName: stackName, ChangeSetName: changeSetName };
  // Made once: after an answer lost on the way, the change set it may have made is looked for.
  if (!left) await makeOnce(
    `creating a change set for ${stackName}`,
    () =>
      client.send(
        new CreateChangeSetCommand({
          ...ref,
          Description: mark,
          ChangeSetType: create ? 'CREATE' : 'UPDATE',
          TemplateBody: template,
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
          Tags: Object.entries({ [OWNER_TAG.key]: OWNER_TAG.value, ...options.tags }).map(([Key, Value]) => ({ Key, Value })),
          ...(options.roleArn ? { RoleARN: options.roleArn } : {}),
        }),
      ),
    () =>
      client.send(new DescribeChangeSetCommand(ref)).catch((error: unknown) => {
        if ((error as Error).name === 'ChangeSetNotFoundException') return undefined;
        throw error;
      }),
  );
  try {
    await waitUntilChangeSetCreateComplete(until(client, deadline), ref);
  } catch (error) {
    const described = await client.send(new DescribeChangeSetCommand(ref));
    if (described.Status === 'FAILED' && /didn't contain changes|No updates are to be performed/i.test(described.StatusReason ?? '')) {
      await client.send(new DeleteChangeSetCommand(ref));
      return { outcome: 'unchanged', status: state.status ?? null, changes: [] };
    }
    // Still being made at the deadline: asked again, the deployment goes on with it.
    if (described.Status === 'CREATE_PENDING' || described.Status === 'CREATE_IN_PROGRESS') return { outcome: 'in-progress', status: state.status ?? null, changes: [] };
    // A failed change set is not left behind.
    await client.send(new DeleteChangeSetCommand(ref)).catch(() => undefined);
    throw new Error(`change set for ${stackName} failed: ${described.StatusReason ?? (error as Error).message}`);
  }
  const described = await client.send(new DescribeChangeSetCommand(ref));
  const changes = (described.Changes ?? []).flatMap(({ ResourceChange: c }) =>
    c ? [{ action: c.Action ?? '', logical_id: c.LogicalResourceId ?? '', type: c.ResourceType ?? '', ...(c.Replacement ? { replacement: c.Replacement } : {}) }] : [],
  );
  progress(`${stackName}: executing change set ${changeSetName}`);
  try {
    await client.send(new ExecuteChangeSetCommand(ref));
  } catch (error) {
    // The same request delivered twice: the other delivery's change set is running. Asked again, this waits for it.
    const now = await stackStatus(client, stackName);
    if (settled(now)) throw error;
    return { outcome: 'in-progress', status: now ?? null, changes };
  }
  const wait = create ? waitUntilStackCreateComplete : waitUntilStackUpdateComplete;
  try {
    await wait(until(client, deadline), { StackName: stackName });
  } catch (error) {
    const now = await unfinished(client, stackName, error);
    if (!now) throw new Error(`${stackName} is gone (${(error as Error).message.split('\n')[0]})`);
    return { outcome: 'in-progress', status: now, changes };
  }
  return { outcome: create ? 'created' : 'updated', status: create ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE', changes };
}

/**
 * Delete `stackName` (with `options.roleArn` as CloudFormation's service role): once, whatever
 * the state it is found in. Gone already is success; a deletion still running at the
 * deadline is reported in-progress, and asked again, waited for.
 */
export async function deleteStack(client: CloudFormationClient, stackName: string, options: Omit<DeployOptions, 'progress'> = {}): Promise<{ outcome: 'deleted' | 'already-deleted' | 'in-progress'; status: string | null }> {
  const status = await waitSettled(client, stackName, await stackStatus(client, stackName), options.deadline);
  if (!status) return { outcome: 'already-deleted', status: null };
  if (!settled(status)) return { outcome: 'in-progress', status };
  await client.send(new DeleteStackCommand({ StackName: stackName, ...(options.roleArn ? { RoleARN: options.roleArn } : {}) }));
  try {
    await waitUntilStackDeleteComplete(until(client, options.deadline), { StackName: stackName });
  } catch (error) {
    const now = await unfinished(client, stackName, error);
    return now ? { outcome: 'in-progress', status: now } : { outcome: 'deleted', status: null };
  }
  return { outcome: 'deleted', status: null };
}

/** The names of the stacks there are (not deleted) that start with `prefix`. */
export async function stacksNamed(client: CloudFormationClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of everyPage(paginateListStacks({ client }, {}))) {
    for (const summary of page.StackSummaries ?? []) {
      if (summary.StackName?.startsWith(prefix) && summary.StackStatus !== 'DELETE_COMPLETE') names.push(summary.StackName);
    }
  }
  return [...new Set(names)].sort();
}
