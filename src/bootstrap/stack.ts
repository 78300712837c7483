/**
 * Deploy one CloudFormation stack through a change set: create or update, "no changes" is
 * success, a stack left in ROLLBACK_COMPLETE by a failed first create is replaced. Used by
 * bootstrap (orgvend's own stack) and by the DEPLOY_STACK handler (the stacks rendered from
 * templates/). Reading
 * (`stackState`) sends nothing that changes anything, so dry runs use only that.
 */
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  paginateListStacks,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import type { ResourceChange } from '../protocol/requests.js';
import { everyPage } from '../aws/pages.js';

export interface StackState {
  status?: string;
  /** The template the stack runs now, as it was submitted. */
  template?: string;
}

/** The stack's status alone (DescribeStacks, no template): undefined when there is none. */
export async function stackStatus(client: CloudFormationClient, stackName: string): Promise<string | undefined> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.StackStatus;
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export async function stackState(client: CloudFormationClient, stackName: string): Promise<StackState> {
  const status = await stackStatus(client, stackName);
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
}

export interface DeployResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'in-progress';
  status: string | null;
  /** The change set's changes, as CloudFormation summarised them. */
  changes: ResourceChange[];
}

/** The SDK's stack waiters poll every 30 s at the least and refuse a shorter wait; a Lambda's deadline leaves more than that spare. */
const MIN_WAIT_SECONDS = 60;
const secondsLeft = (deadline: number | undefined) => Math.max(MIN_WAIT_SECONDS, Math.floor(((deadline ?? Date.now() + MAX_WAIT_SECONDS * 1000) - Date.now()) / 1000));
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
    await waitUntilStackDeleteComplete({ client, maxWaitTime: secondsLeft(deadline) }, { StackName: stackName });
    state = {};
  }
  const create = !state.template;
  const changeSetName = `orgvend-${Date.now()}`;
  await client.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: create ? 'CREATE' : 'UPDATE',
      TemplateBody: template,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: [{ Key: 'managed-by', Value: 'orgvend' }],
      ...(options.roleArn ? { RoleARN: options.roleArn } : {}),
    }),
  );
  const ref = { StackName: stackName, ChangeSetName: changeSetName };
  try {
    await waitUntilChangeSetCreateComplete({ client, maxWaitTime: secondsLeft(deadline) }, ref);
  } catch (error) {
    const described = await client.send(new DescribeChangeSetCommand(ref));
    if (described.Status === 'FAILED' && /didn't contain changes|No updates are to be performed/i.test(described.StatusReason ?? '')) {
      await client.send(new DeleteChangeSetCommand(ref));
      return { outcome: 'unchanged', status: state.status ?? null, changes: [] };
    }
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
    await wait({ client, maxWaitTime: secondsLeft(deadline) }, { StackName: stackName });
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
    await waitUntilStackDeleteComplete({ client, maxWaitTime: secondsLeft(options.deadline) }, { StackName: stackName });
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
