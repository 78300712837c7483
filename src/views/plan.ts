/**
 * Views of a plan. Text and Markdown are rendered from the plan's JSON form, so no two
 * formats can disagree.
 */
import { CHANGE_KINDS, type Change, type Plan } from '../plan/plan.js';
import type { Style } from './style.js';

export function planJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

type Fields = Record<string, unknown>;

function tagDiff(before: Record<string, string | null>, after: Record<string, string | null>): string {
  return Object.keys(after)
    .map((key) => {
      const [from, to] = [before[key] ?? null, after[key] ?? null];
      if (to === null) return `-${key}`;
      if (from === null) return `+${key}=${to}`;
      return `${key}: ${from} → ${to}`;
    })
    .join(', ');
}

/** What the change does, in a few words. */
export function describeChange(change: Change): string {
  const before = (change.before ?? {}) as Fields;
  const after = (change.after ?? {}) as Fields;
  switch (change.type) {
    case 'ou.create':
      return `under ${after.parent}`;
    case 'account.create':
      return `${after.aws_name} <${after.email}> in ${after.ou}`;
    case 'account.move':
      return `${before.ou} → ${after.ou}`;
    case 'account.tag':
      return tagDiff((before.tags ?? {}) as Record<string, string | null>, (after.tags ?? {}) as Record<string, string | null>);
    case 'account.retire':
      return `${before.ou} → ${after.ou}, tagged retired`;
    case 'account.close':
      return 'close the account (AWS keeps it suspended for 90 days)';
    case 'stack.deploy':
      return before.template_sha256 ? `template ${before.template_sha256} → ${after.template_sha256}` : `create with template ${after.template_sha256}`;
    default:
      return JSON.stringify(after);
  }
}

/** The target as people know it: the DSL name, and the account id when there is one. */
export function targetLabel(change: Change): string {
  const id = (change.before as Fields | null)?.account_id;
  return id ? `${change.target} (${id})` : change.target;
}

export function summaryLine(plan: Plan): string {
  if (!plan.changes.length) return 'No changes. The organization matches the repository.';
  const parts = Object.entries(plan.summary).map(([type, count]) => `${count} ${type}`);
  return `Plan: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}: ${parts.join(', ')}.`;
}

const colourOf = (symbol: string, s: Style) => (symbol === '+' ? s.green : symbol === '-' ? s.red : s.yellow);

export function renderPlanText(plan: Plan, s: Style): string {
  const rows = plan.changes.map((c) => [CHANGE_KINDS[c.type], c.type, targetLabel(c), describeChange(c), c.reason] as const);
  const typeWidth = Math.max(0, ...rows.map((r) => r[1].length));
  const targetWidth = Math.min(48, Math.max(0, ...rows.map((r) => r[2].length)));
  const lines: string[] = rows.map(
    ([symbol, type, target, detail, reason]) =>
      `${colourOf(symbol, s)(`${symbol} ${type.padEnd(typeWidth)}`)}  ${s.bold(target.padEnd(targetWidth))}  ${detail}  ${s.dim(`(${reason})`)}`,
  );
  if (plan.unmanaged.length) {
    lines.push('', `Unmanaged accounts, left alone (${plan.unmanaged.length}):`);
    for (const a of plan.unmanaged) lines.push(s.dim(`  ${a.id}  ${a.name} <${a.email}> in ${a.ou}`));
  }
  if (plan.notes.length) lines.push('', ...plan.notes.map((n) => `${s.yellow('note:')} ${n}`));
  lines.push('', s.bold(summaryLine(plan)));
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderPlanMarkdown(plan: Plan): string {
  const lines = [`### orgvend ${plan.action}`, ''];
  if (plan.changes.length) {
    lines.push('| | change | target | what | why |', '|---|---|---|---|---|');
    for (const c of plan.changes) {
      lines.push(`| \`${CHANGE_KINDS[c.type]}\` | ${c.type} | \`${cell(targetLabel(c))}\` | ${cell(describeChange(c))} | ${c.reason} |`);
    }
    lines.push('');
  }
  if (plan.unmanaged.length) {
    lines.push(`<details><summary>${plan.unmanaged.length} unmanaged account(s), left alone</summary>`, '');
    for (const a of plan.unmanaged) lines.push(`- \`${a.id}\` ${cell(a.name)} in ${a.ou}`);
    lines.push('', '</details>', '');
  }
  for (const note of plan.notes) lines.push(`> **note:** ${note}`, '');
  lines.push(`**${summaryLine(plan)}**`, '');
  return lines.join('\n');
}
