/**
 * What deploying a template does to a stack, judged by the template in place and the state a
 * run that died or failed may have left it in: shared by sync-accounts' planner, bootstrap
 * and the deployer, with no imports, so none drags the others' in.
 */
export function stackAction(state: { status?: string | null; template?: string | null }, template: string): 'create' | 'update' | 'none' {
  if (!state.template || state.status === 'ROLLBACK_COMPLETE') return 'create';
  if (state.status && state.status in RECOVERIES) return 'update';
  return state.template.trim() === template.trim() ? 'none' : 'update';
}

/**
 * The states a killed or failed run leaves a stack in, and what deploying it again does
 * about each: the plan shows the sentence, the deployer (bootstrap/stack.ts) does it.
 */
export const RECOVERIES: Record<string, string> = {
  REVIEW_IN_PROGRESS: "a run stopped before executing the new stack's change set: orgvend executes that change set if it holds this template, deletes it otherwise",
  ROLLBACK_COMPLETE: 'its first create failed and was rolled back: orgvend deletes it and creates it again',
  UPDATE_ROLLBACK_FAILED: 'an update failed and so did its rollback: orgvend continues the rollback, then updates it',
};

/** What deploying does about the state the stack is in, when that state is not a stack at rest: absent otherwise. */
export function recoveryOf(status: string | null | undefined): string | undefined {
  if (!status) return undefined;
  if (status in RECOVERIES) return RECOVERIES[status];
  if (status.endsWith('_IN_PROGRESS')) return "another deployment is running; orgvend waits for it (within the request's deadline), then deploys";
  return undefined;
}
