/**
 * Deploy one CloudFormation stack through a change set: create or update, "no changes" is
 * success, a stack left in ROLLBACK_COMPLETE by a failed first create is replaced. Reading
 * (`stackState`) sends nothing that changes anything, so dry runs use only that.
 */
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';

export interface StackState {
  status?: string;
  /** The template the stack runs now, as it was submitted. */
  template?: string;
}

export async function stackState(client: CloudFormationClient, stackName: string): Promise<StackState> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const status = Stacks?.[0]?.StackStatus;
    if (!status || status === 'REVIEW_IN_PROGRESS') return { status };
    const { TemplateBody } = await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }));
    return { status, template: TemplateBody };
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return {};
    throw error;
  }
}

export type StackAction = 'create' | 'update' | 'none';

/** What deploying `template` would do, judged by comparing it with the template in place. */
export function stackAction(state: StackState, template: string): StackAction {
  if (!state.template || state.status === 'ROLLBACK_COMPLETE') return 'create';
  return state.template.trim() === template.trim() ? 'none' : 'update';
}

const MAX_WAIT_SECONDS = 1800;

export async function deployStack(
  client: CloudFormationClient,
  stackName: string,
  template: string,
  progress: (line: string) => void = () => {},
): Promise<'created' | 'updated' | 'unchanged'> {
  let state = await stackState(client, stackName);
  if (state.status === 'ROLLBACK_COMPLETE') {
    progress(`${stackName}: replacing the stack left by a failed create`);
    await client.send(new DeleteStackCommand({ StackName: stackName }));
    await waitUntilStackDeleteComplete({ client, maxWaitTime: MAX_WAIT_SECONDS }, { StackName: stackName });
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
    }),
  );
  try {
    await waitUntilChangeSetCreateComplete({ client, maxWaitTime: MAX_WAIT_SECONDS }, { StackName: stackName, ChangeSetName: changeSetName });
  } catch (error) {
    const described = await client.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
    if (described.Status === 'FAILED' && /didn't contain changes|No updates are to be performed/i.test(described.StatusReason ?? '')) {
      await client.send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
      return 'unchanged';
    }
    throw new Error(`change set for ${stackName} failed: ${described.StatusReason ?? (error as Error).message}`);
  }
  progress(`${stackName}: executing change set ${changeSetName}`);
  await client.send(new ExecuteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
  const wait = create ? waitUntilStackCreateComplete : waitUntilStackUpdateComplete;
  await wait({ client, maxWaitTime: MAX_WAIT_SECONDS }, { StackName: stackName });
  return create ? 'created' : 'updated';
}
