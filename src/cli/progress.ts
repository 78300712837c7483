/**
 * Progress of a run on stderr: on a terminal, a line per finished change and a status
 * line showing what is still being waited for; elsewhere (CI), timestamped lines, with a
 * reminder every 30 s of what is still running.
 */
import type { ExecutionHooks } from '../execute/graph.js';
import type { Change } from '../plan/plan.js';
import { duration } from '../views/execution.js';
import { targetLabel } from '../views/plan.js';
import type { Style } from '../views/style.js';
import type { Io } from './io.js';

export interface Progress extends ExecutionHooks {
  stop(): void;
}

export function progress(io: Io, s: Style, now: () => number = Date.now): Progress {
  const running = new Map<Change, number>();
  const tty = Boolean(io.stderr.isTTY) && io.env.TERM !== 'dumb';
  const label = (change: Change) => `${change.type} ${targetLabel(change)}`;
  const stamp = () => new Date(now()).toISOString();
  const waiting = () => [...running].map(([change, start]) => `${label(change)} (${duration(now() - start)})`).join(', ');

  const clear = () => tty && io.stderr.write('\r\u001b[2K');
  const status = () => {
    if (!tty || !running.size) return;
    clear();
    io.stderr.write(s.dim(`waiting: ${waiting()}`).slice(0, 400));
  };
  const timer = setInterval(
    () => (tty ? status() : running.size && io.stderr.write(`${stamp()} still waiting for ${waiting()}\n`)),
    tty ? 1000 : 30_000,
  );
  timer.unref?.();

  return {
    onStart(change) {
      running.set(change, now());
      if (tty) status();
      else io.stderr.write(`${stamp()} start ${label(change)}\n`);
    },
    onEnd(change, result) {
      const started = running.get(change) ?? now();
      running.delete(change);
      const took = duration(now() - started);
      const line =
        result.status === 'done'
          ? `${s.green('✓')} ${label(change)} (${took})`
          : result.status === 'failed'
            ? `${s.red('✗')} ${label(change)} (${took}): ${result.error.message}`
            : `- ${label(change)}: not attempted, ${result.reason}`;
      if (tty) {
        clear();
        io.stderr.write(`${line}\n`);
        status();
      } else {
        io.stderr.write(`${stamp()} ${line}\n`);
      }
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}
