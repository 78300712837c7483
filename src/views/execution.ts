/** What a run did: each change done, failed (and why) or skipped (and on what). */
import { escapeControlCharacters } from '../config/control-characters.js';
import type { StepResult } from '../execute/graph.js';
import type { Change } from '../plan/plan.js';
import { targetLabel } from './plan.js';
import type { Style } from './style.js';

export interface ExecutedChange {
  change: Change;
  result: StepResult;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export function renderExecution(executed: readonly ExecutedChange[], totalMs: number, s: Style): string {
  const done = executed.filter((e) => e.result.status === 'done');
  const failed = executed.filter((e) => e.result.status === 'failed');
  const skipped = executed.filter((e) => e.result.status === 'skipped');
  const lines = [
    s.bold(`Applied ${done.length} of ${executed.length} change${executed.length === 1 ? '' : 's'} in ${duration(totalMs)}.`),
  ];
  if (failed.length) {
    lines.push('', s.red(`Failed (${failed.length}):`));
    for (const { change, result } of failed) lines.push(`  ${s.red('✗')} ${change.type} ${targetLabel(change)}: ${escapeControlCharacters((result as { error: Error }).error.message)}`);
  }
  if (skipped.length) {
    lines.push('', s.yellow(`Not attempted (${skipped.length}):`));
    for (const { change, result } of skipped) lines.push(`  - ${change.type} ${targetLabel(change)}: ${escapeControlCharacters((result as { reason: string }).reason)}`);
  }
  return `${lines.join('\n')}\n`;
}
