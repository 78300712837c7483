/** A readable diff of two policy documents, statement by statement (by Sid, else position). */

type Statement = Record<string, unknown> & { Sid?: string };

function statements(document: unknown): Statement[] {
  const list = (document as { Statement?: unknown } | null)?.Statement;
  return (Array.isArray(list) ? list : list ? [list] : []) as Statement[];
}

const key = (s: Statement, i: number) => s.Sid || `Statement[${i}]`;
const lines = (value: unknown) => JSON.stringify(value, null, 2).split('\n');

/** Lines of `a` and `b` with +/- for what differs: a longest-common-subsequence line diff. */
function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i += 1;
      j += 1;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j++]!.trim()}`);
    } else {
      out.push(`- ${a[i++]!.trim()}`);
    }
  }
  return out;
}

export interface StatementChange {
  sid: string;
  kind: 'added' | 'removed' | 'changed';
  lines: string[];
}

export function statementDiff(before: unknown, after: unknown): StatementChange[] {
  const was = new Map(statements(before).map((s, i) => [key(s, i), s]));
  const will = new Map(statements(after).map((s, i) => [key(s, i), s]));
  const changes: StatementChange[] = [];
  for (const [sid, statement] of will) {
    const old = was.get(sid);
    if (!old) changes.push({ sid, kind: 'added', lines: lines(statement).map((l) => `+ ${l.trim()}`) });
    else if (JSON.stringify(old) !== JSON.stringify(statement)) changes.push({ sid, kind: 'changed', lines: lineDiff(lines(old), lines(statement)) });
  }
  for (const [sid, statement] of was) if (!will.has(sid)) changes.push({ sid, kind: 'removed', lines: lines(statement).map((l) => `- ${l.trim()}`) });
  return changes;
}
