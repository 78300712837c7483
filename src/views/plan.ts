/**
 * Views of a plan. Text and Markdown are rendered from the JSON form, so no two formats
 * can disagree.
 */
import { CHANGE_KINDS, type Change, type Plan } from '../plan/plan.js';
import type { Style } from './style.js';

export function planJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

function brief(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function describe(change: Change): string {
  const before = brief(change.before);
  const after = brief(change.after);
  if (before && after) return `${before} → ${after}`;
  return after || before;
}

function colourOf(symbol: string, s: Style): (text: string) => string {
  return symbol === '+' ? s.green : symbol === '-' ? s.red : s.yellow;
}

export function summaryLine(plan: Plan): string {
  if (!plan.changes.length) return 'No changes. The live state matches the repository.';
  const parts = Object.entries(plan.summary).map(([type, count]) => `${count} ${type}`);
  return `Plan: ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'} (${parts.join(', ')}).`;
}

export function renderPlanText(plan: Plan, s: Style): string {
  const lines = plan.changes.map((change) => {
    const symbol = CHANGE_KINDS[change.type];
    const detail = describe(change);
    return `${colourOf(symbol, s)(`${symbol} ${change.type}`)} ${s.bold(change.target)}${detail ? `  ${detail}` : ''}  ${s.dim(`(${change.reason})`)}`;
  });
  const notes = plan.notes.map((note) => s.dim(`note: ${note}`));
  return [...lines, ...(lines.length ? [''] : []), ...notes, ...(notes.length ? [''] : []), summaryLine(plan)].join('\n') + '\n';
}

export function renderPlanMarkdown(plan: Plan): string {
  const rows = plan.changes.map(
    (c) => `| \`${CHANGE_KINDS[c.type]}\` | ${c.type} | \`${c.target}\` | ${describe(c).replace(/\|/g, '\\|')} | ${c.reason} |`,
  );
  const table = rows.length ? ['| | change | target | detail | reason |', '|---|---|---|---|---|', ...rows, ''] : [];
  const notes = plan.notes.map((n) => `> ${n}`);
  return [`### orgvend ${plan.action}`, '', ...table, ...notes, ...(notes.length ? [''] : []), `**${summaryLine(plan)}**`, ''].join('\n');
}
