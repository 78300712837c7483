/**
 * --execute on a terminal asks first, as `terraform apply` does: the change count and the
 * organization, and only `yes` goes on. Not asked with --yes, or when nobody is at a
 * terminal to answer (CI: stdin or stdout is not a terminal).
 */
import { plain } from '../views/plan.js';
import { interactive, type Io } from './io.js';
import type { CliOptions } from './options.js';

/** True to go on. `organization`: its id (`o-…`), or the management account's when the plan does not know it. */
export async function confirmApply(io: Io, options: Pick<CliOptions, 'yes'>, changes: number, organization: string | undefined): Promise<boolean> {
  if (options.yes || !interactive(io)) return true;
  const where = organization ? (organization.startsWith('o-') ? ` to organization ${organization}` : ` to the organization of ${organization}`) : '';
  io.stderr.write(`Apply ${changes} change${changes === 1 ? '' : 's'}${plain(where)}? Only 'yes' will be accepted: `);
  const answer = await io.stdin!.readLine();
  return answer?.trim() === 'yes';
}
