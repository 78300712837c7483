/** What a run did: each change done, failed (and why), skipped (and on what), or, when interrupted, in flight or not started. */
import { escapeControlCharacters } from '../config/control-characters.js';
import type { StepResult } from '../execute/graph.js';
import type { Change } from '../plan/plan.js';
import { code, inline } from './markdown.js';
import { targetLabel } from './plan.js';
import type { Style } from './style.js';

/** A change's outcome: its step's result, or after Ctrl-C, sent and not answered (`in-flight`) or never sent (`not-started`). */
export type ChangeOutcome = StepResult | { status: 'in-flight' } | { status: 'not-started' };

export interface ExecutedChange {
  change: Change;
  result: ChangeOutcome;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Each group of outcomes other than done, with its heading and what to say of each change. */
function groups(executed: readonly ExecutedChange[]) {
  const of = (status: ChangeOutcome['status']) => executed.filter((e) => e.result.status === status);
  return [
    { key: 'failed', heading: 'Failed', entries: of('failed'), detail: (e: ExecutedChange) => (e.result as { error: Error }).error.message },
    { key: 'skipped', heading: 'Not attempted', entries: of('skipped'), detail: (e: ExecutedChange) => (e.result as { reason: string }).reason },
    { key: 'in-flight', heading: 'In flight when interrupted (sent; may still complete)', entries: of('in-flight'), detail: () => '' },
    { key: 'not-started', heading: 'Not started (interrupted)', entries: of('not-started'), detail: () => '' },
  ].filter((g) => g.entries.length);
}

const headline = (executed: readonly ExecutedChange[], totalMs: number) => {
  const done = executed.filter((e) => e.result.status === 'done').length;
  return `Applied ${done} of ${executed.length} change${executed.length === 1 ? '' : 's'} in ${duration(totalMs)}.`;
};

export function renderExecution(executed: readonly ExecutedChange[], totalMs: number, s: Style): string {
  const colour = { failed: s.red, skipped: s.yellow, 'in-flight': s.yellow, 'not-started': s.yellow } as Record<string, (t: string) => string>;
  const mark = { failed: s.red('✗'), skipped: '-', 'in-flight': '…', 'not-started': '-' } as Record<string, string>;
  const lines = [s.bold(headline(executed, totalMs))];
  for (const group of groups(executed)) {
    lines.push('', colour[group.key]!(`${group.heading} (${group.entries.length}):`));
    for (const e of group.entries) {
      const detail = group.detail(e);
      lines.push(`  ${mark[group.key]} ${e.change.type} ${targetLabel(e.change)}${detail ? `: ${escapeControlCharacters(detail)}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** At most this many changes of each group are listed in a PR comment; the rest are counted. */
const MARKDOWN_LISTED = 50;

/** The same for a PR comment: every value escaped (markdown.ts), each group's list cut at 50. */
export function renderExecutionMarkdown(executed: readonly ExecutedChange[], totalMs: number): string {
  const lines = [`**${inline(headline(executed, totalMs))}**`, ''];
  for (const group of groups(executed)) {
    lines.push(`${inline(group.heading)} (${group.entries.length}):`, '');
    for (const e of group.entries.slice(0, MARKDOWN_LISTED)) {
      const detail = group.detail(e);
      lines.push(`- ${inline(e.change.type)} ${code(targetLabel(e.change))}${detail ? `: ${inline(detail)}` : ''}`);
    }
    if (group.entries.length > MARKDOWN_LISTED) lines.push(`- … and ${group.entries.length - MARKDOWN_LISTED} more`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The machine form: counts, and each change with its outcome (`done`, `failed` with its error, `skipped` with why, `in-flight`, `not-started`). */
export function executionJson(executed: readonly ExecutedChange[], totalMs: number) {
  const count = (status: string) => executed.filter((e) => e.result.status === status).length;
  return {
    applied: count('done'),
    of: executed.length,
    ms: totalMs,
    changes: executed.map(({ change, result }) => ({
      type: change.type,
      target: change.target,
      status: result.status,
      ...('error' in result ? { error: result.error.message } : {}),
      ...('reason' in result ? { reason: result.reason } : {}),
      ...('ms' in result ? { ms: result.ms } : {}),
    })),
  };
}
