/**
 * What deploying a template does to a stack, judged by the template in place: shared by
 * sync-accounts' planner and bootstrap, with no imports, so neither drags the other's in.
 */
export function stackAction(state: { status?: string | null; template?: string | null }, template: string): 'create' | 'update' | 'none' {
  if (!state.template || state.status === 'ROLLBACK_COMPLETE') return 'create';
  return state.template.trim() === template.trim() ? 'none' : 'update';
}
