/**
 * A plan as a pull-request comment. Every value is escaped (markdown.ts), so nothing in it
 * is markup. A long plan folds its table into one `<details>` per change type, and the
 * comment stays under GitHub's limit: past it, the changes at the end are left out and a
 * line says how many and where the whole plan is.
 */
import { CHANGE_KINDS, accountList, type Change, type Plan } from '../plan/plan.js';
import { code, html, inline } from './markdown.js';
import { changeDiff, contactLines, describeChange, permissionSetLines, plain, previewLines, resourceLines, summaryLine, targetLabel } from './plan.js';

/** GitHub refuses a comment (an issue or PR body) longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** A plan with more changes than this shows one folded table per change type. */
export const FOLD_OVER = 20;

/** When a plan must be cut, at most this many of its unmanaged accounts, notes, samples and conflicts are listed. */
const LISTED_WHEN_CUT = 20;

export interface MarkdownPlanOptions {
  /** The comment's budget for this plan, in characters (default: GitHub's limit). */
  maxCharacters?: number;
  /** Where the whole plan can be read when some of it is left out (a file, the job log); plain text. */
  fullPlanAt?: string;
}

const TABLE_HEAD = ['| | change | target | what | why |', '|---|---|---|---|---|'];

function row(c: Change): string {
  const affects = c.affects?.length ? ` (affects ${inline(accountList(c.affects))})` : '';
  const what =
    c.type === 'contacts.put' || c.type === 'contacts.delete'
      ? contactLines(c).map(inline).join('<br>')
      : c.type === 'permission-set.update'
        ? [describeChange(c), ...permissionSetLines(c)].map(inline).join('<br>')
        : inline(describeChange(c));
  return `| ${code(CHANGE_KINDS[c.type] ?? '?')} | ${inline(c.type)} | ${code(targetLabel(c))} | ${what}${affects} | ${inline(c.reason)} |`;
}

/** The first `limit` of `items` as lines, and a line counting the rest. */
function listed<T>(items: readonly T[], limit: number, line: (item: T) => string): string[] {
  const shown = items.slice(0, limit).map(line);
  return items.length > limit ? [...shown, `- … and ${items.length - limit} more`] : shown;
}

/** The plan with its first `shown` changes; `cut`: the lists beside the changes are shortened too. */
function render(plan: Plan, shown: number, cut: boolean, fullPlanAt: string | undefined): string {
  const changes = plan.changes.slice(0, shown);
  const limit = cut ? LISTED_WHEN_CUT : Infinity;
  const lines = [`### orgvend ${inline(plan.action)}`, ''];
  if (changes.length && plan.changes.length <= FOLD_OVER) {
    lines.push(...TABLE_HEAD, ...changes.map(row), '');
  } else if (changes.length) {
    const byType = new Map<string, Change[]>();
    for (const c of changes) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
    for (const [type, ofType] of byType) {
      const all = plan.changes.filter((c) => c.type === type).length;
      const count = ofType.length === all ? `${all}` : `${ofType.length} of ${all}`;
      lines.push(`<details><summary>${count} ${html(type)}</summary>`, '', ...TABLE_HEAD, ...ofType.map(row), '', '</details>', '');
    }
  }
  if (plan.unmanaged.length) {
    lines.push(`<details><summary>${plan.unmanaged.length} unmanaged account(s), left alone</summary>`, '');
    lines.push(...listed(plan.unmanaged, limit, (a) => `- ${code(a.id)} ${inline(a.name)} in ${inline(a.ou)}`));
    lines.push('', '</details>', '');
  }
  // Inside a fence only a line break could end it (plain writes none), and every line starts with +, -, ~ or #.
  for (const change of changes.filter((c) => (c.type === 'stack.deploy' || c.type === 'stack.delete') && resourceLines(c).length)) {
    lines.push(`<details><summary>${html(change.target)}: resources</summary>`, '', '```diff', ...resourceLines(change).map(plain), '```', '', '</details>', '');
  }
  for (const change of changes.filter((c) => c.type === 'scp.update')) {
    lines.push(`<details><summary>${html(change.target)}: what changes</summary>`, '', '```diff');
    for (const d of changeDiff(change)) lines.push(plain(`# ${d.kind} ${d.sid}`), ...d.lines.map(plain));
    lines.push('```', '', '</details>', '');
  }
  if (plan.preview?.length) lines.push('**Preview**', '', ...listed(previewLines(plan.preview), limit, (l) => `- ${inline(l)}`), '');
  for (const note of plan.notes.slice(0, limit)) lines.push(`> **note:** ${inline(note)}`, '');
  if (plan.notes.length > limit) lines.push(`> **note:** … and ${plan.notes.length - limit} more notes`, '');
  for (const conflict of plan.conflicts.slice(0, limit)) lines.push(`> **error:** ${inline(conflict)}`, '');
  if (plan.conflicts.length > limit) lines.push(`> **error:** … and ${plan.conflicts.length - limit} more conflicts`, '');
  if (cut) {
    const where = fullPlanAt ? ` The whole plan: ${inline(fullPlanAt)}.` : '';
    const what = shown < plan.changes.length ? `${plan.changes.length - shown} of ${plan.changes.length} changes are not shown here` : 'Some lists are shortened here';
    lines.push(`> **${what}**: the comment would be longer than GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en')} characters.${where}`, '');
  }
  lines.push(`**${inline(summaryLine(plan))}**`, '');
  return lines.join('\n');
}

/** The plan as markdown for a PR comment, within `maxCharacters`: as many of its changes as fit, in the plan's order. */
export function renderPlanMarkdown(plan: Plan, options: MarkdownPlanOptions = {}): string {
  const max = options.maxCharacters ?? GITHUB_COMMENT_LIMIT;
  const whole = render(plan, plan.changes.length, false, options.fullPlanAt);
  if (whole.length <= max) return whole;
  // The most changes that fit: the length grows with each change shown.
  let [fits, over] = [0, plan.changes.length + 1];
  while (over - fits > 1) {
    const middle = Math.floor((fits + over) / 2);
    if (render(plan, middle, true, options.fullPlanAt).length <= max) fits = middle;
    else over = middle;
  }
  const cut = render(plan, fits, true, options.fullPlanAt);
  if (cut.length <= max) return cut;
  // Not even the lists beside the changes fit: the summary and where the whole plan is, alone.
  const where = options.fullPlanAt ? ` The whole plan: ${inline(options.fullPlanAt)}.` : '';
  return `### orgvend ${inline(plan.action)}\n\n> **The plan is too long for a comment.**${where}\n\n**${inline(summaryLine(plan))}**\n`;
}
