/** An account's effective settings and the layer each came from. */
import { escapeControlCharacters } from '../config/control-characters.js';
import type { DesiredAccount } from '../config/resolve.js';
import type { Style } from './style.js';

export interface ExplainJson {
  account: string;
  aws_name: string;
  email: string;
  settings: Record<string, { value: unknown; from: string }>;
  /** Every tag the account carries: the DSL's and orgvend's identifying tags. */
  tags: Record<string, string>;
}

export function explainJson(account: DesiredAccount): ExplainJson {
  return {
    account: account.name,
    aws_name: account.awsName,
    email: account.email,
    settings: Object.fromEntries(account.explained.map((s) => [s.key, { value: s.value, from: s.from }])),
    tags: account.tags,
  };
}

/** A value on one line, its control characters as escapes. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => show(v)).join(', ')}]`;
  if (value === null) return 'null (deleted)';
  if (typeof value === 'object') return escapeControlCharacters(JSON.stringify(value));
  return escapeControlCharacters(String(value));
}

export function renderExplain(json: ExplainJson, s: Style): string {
  const rows = Object.entries(json.settings).map(([key, { value, from }]) => [key, show(value), from] as const);
  const keyWidth = Math.max(...rows.map(([k]) => k.length), 3);
  const valueWidth = Math.min(60, Math.max(...rows.map(([, v]) => v.length), 5));
  const lines = [
    `${s.bold(show(json.account))}: ${show(json.aws_name)} <${show(json.email)}>`,
    '',
    s.dim(`  ${'key'.padEnd(keyWidth)}  ${'value'.padEnd(valueWidth)}  from`),
    ...rows.map(([key, value, from]) => `  ${key.padEnd(keyWidth)}  ${value.padEnd(valueWidth)}  ${s.dim(from)}`),
    '',
    s.dim('  tags (identifying tags are set by orgvend)'),
    ...Object.entries(json.tags).map(([k, v]) => `  ${show(k)} = ${show(v)}`),
  ];
  return `${lines.join('\n')}\n`;
}
