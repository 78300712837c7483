/**
 * The audit record: one JSON line per request, reply and outcome. The CLI writes one file
 * per run; handlers write to their log. Payloads are not recorded (they may hold contact
 * details); what was asked, of whom, how long it took and how it ended is.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ErrorCode } from '../protocol/envelope.js';

export interface AuditEntry {
  at: string;
  /** `forged`: a reply carrying a nonce of ours from an account that was not asked, ignored. `duplicate`: a second delivery of a request being handled. */
  event: 'request' | 'reply' | 'timeout' | 'handled' | 'rejected' | 'duplicate' | 'forged';
  type: string;
  nonce?: string;
  /** The account asked, or that answered. */
  account?: string;
  dryrun?: boolean;
  duration_ms?: number;
  outcome?: 'ok' | 'duplicate' | 'ignored' | ErrorCode;
  message?: string;
}

export interface Recorder {
  record(entry: AuditEntry): void;
}

export class FileRecorder implements Recorder {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  record(entry: AuditEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

export class MemoryRecorder implements Recorder {
  readonly entries: AuditEntry[] = [];

  record(entry: AuditEntry): void {
    this.entries.push(entry);
  }
}

/** Handlers in Lambda: one JSON line per entry on stdout, which CloudWatch keeps. */
export const stdoutRecorder: Recorder = {
  record: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
};
