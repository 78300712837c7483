/**
 * The plan's views write every value for where it lands: a value from accounts.yml, the
 * live organization or a saved plan cannot end the markdown table, add a line such as
 * "No changes", open an HTML comment that hides the rows after it, or send escape
 * sequences to a terminal.
 */
import { describe, expect, it } from 'vitest';
import { makePlan, type Change, type Plan } from '../../../src/plan/plan.js';
import { renderDiagnostic } from '../../../src/views/diagnostics.js';
import { inline } from '../../../src/views/markdown.js';
import { renderPlanText } from '../../../src/views/plan.js';
import { renderPlanMarkdown } from '../../../src/views/plan-markdown.js';
import { style } from '../../../src/views/style.js';

/** What the issue describes: end the row, print a fake summary, open a comment that hides the rest. */
const ATTACK = ' | x |\n\n**No changes. The organization matches the repository.**\n\n<!--';
const TERMINAL = '\r\u001b[2K\u001b[32mNo changes.\u001b[0m\u0085\u2028\u202e';

function planWith(value: string): Plan {
  const contact = { name: `Ann${value}`, title: `CFO${value}`, email: 'ann@example.com', phone: '+61 2 9000 0001' };
  const changes: Change[] = [
    { type: 'ou.create', target: `Internal/Dev${value}`, reason: 'missing-in-org', before: null, after: { parent: `Internal${value}` } },
    { type: 'account.create', target: `foo${value}`, reason: 'missing-in-org', before: null, after: { aws_name: `foo-prod${value}`, email: 'aws+foo@example.com', ou: `Internal/Dev${value}` } },
    { type: 'account.tag', target: 'foo', reason: 'tags-changed', before: { account_id: '123456789012', tags: {} }, after: { tags: { [`team${value}`]: `platform${value}` } } },
    { type: 'contacts.put', target: 'foo', reason: 'contact-changed', before: { account_id: '123456789012', contacts: {} }, after: { contacts: { billing: contact } } },
    {
      type: 'stack.deploy',
      target: `foo/orgvend-vpc${value}`,
      reason: 'template-changed',
      before: { account_id: '123456789012', template_sha256: 'aaaaaaaaaaaa' },
      after: { region: 'us-east-1', template_sha256: 'bbbbbbbbbbbb', resources: [`+Vpc${value} AWS::EC2::VPC`] },
    },
  ];
  return makePlan('sync-accounts', { config: 'c', live: 'l' }, changes, {
    unmanaged: [{ id: '210987654321', name: `legacy${value}`, email: 'legacy@example.com', ou: `Root${value}` }],
    notes: [`account legacy${value} is closed`],
    conflicts: [`bar${value}: left alone because accounts 1 and 2 are both tagged`],
  });
}

describe('the markdown view', () => {
  const plain = renderPlanMarkdown(planWith(''));
  const attacked = renderPlanMarkdown(planWith(ATTACK));

  it('keeps a value that ends the row, prints "No changes" and opens <!-- inside its cell', () => {
    expect(attacked.split('\n')).toHaveLength(plain.split('\n').length);
    // Inside a fenced block it is text; every other line holds it escaped.
    const outsideFences = attacked.replace(/^```diff\n[\s\S]*?^```$/gm, '');
    expect(outsideFences).not.toContain('<!--');
    expect(attacked).toContain('```diff\n+Vpc | x |\\n\\n**No changes. The organization matches the repository.**\\n\\n<!-- AWS::EC2::VPC\n```');
    expect(attacked.split('\n').filter((l) => l.startsWith('**'))).toEqual(['**Plan: 5 changes: 1 ou.create, 1 account.create, 1 account.tag, 1 contacts.put, 1 stack.deploy. 1 conflict needs a person; nothing is done for them.**']);
    const rows = (text: string) => text.split('\n').filter((l) => l.startsWith('| '));
    expect(rows(attacked).map((r) => r.split('|').length)).toEqual(rows(plain).map((r) => r.split('|').length));
    // The only HTML is the view's own.
    expect(new Set(outsideFences.match(/<[^>]*>/g))).toEqual(new Set(plain.match(/<[^>]*>/g)));
  });

  it('shows the value as it is, escaped', () => {
    expect(inline(ATTACK)).toBe(String.raw` &#124; x &#124;\\n\\n\*\*No changes. The organization matches the repository.\*\*\\n\\n&lt;!--`);
    expect(inline('- 1. # [a](b) `c` _d_ ~e~ \\')).toBe('\\- 1. # \\[a\\](b) \\`c\\` \\_d\\_ \\~e\\~ \\\\');
    expect(inline('1. first')).toBe('1\\. first');
    expect(attacked).toContain('<summary>foo/orgvend-vpc &#124; x &#124;\\n\\n**No changes. The organization matches the repository.**\\n\\n&lt;!--: resources</summary>');
  });
});

describe('the text view', () => {
  it('writes line breaks, escape sequences and bidirectional controls as escapes: no line added, nothing restyled', () => {
    const plain = renderPlanText(planWith(''), style(false));
    const attacked = renderPlanText(planWith(TERMINAL), style(false));
    expect(attacked.split('\n')).toHaveLength(plain.split('\n').length);
    expect(attacked).not.toMatch(/[\r\u001b\u0085\u2028\u202e]/);
    expect(attacked).toContain('Ann\\r\\u001b[2K\\u001b[32mNo changes.\\u001b[0m\\u0085\\u2028\\u202e (CFO');
    // With colour on, the only escape sequences are the view's own.
    const coloured = renderPlanText(planWith(TERMINAL), style(true));
    expect(coloured.match(/\u001b\[[0-9;]*m/g)!.every((sgr) => ['\u001b[31m', '\u001b[32m', '\u001b[33m', '\u001b[39m', '\u001b[1m', '\u001b[2m', '\u001b[22m'].includes(sgr))).toBe(true);
    expect(coloured).not.toContain('\u001b[2K');
  });

  it('writes a diagnostic\'s quoted value and source line the same way', () => {
    const text = renderDiagnostic(
      { code: 'invalid-value', severity: 'error', file: 'accounts.yml', line: 3, column: 5, length: 1, path: 'x', message: `expected one line, found "a${TERMINAL}"`, snippet: `  x: a${TERMINAL}` },
      style(false),
    );
    expect(text).not.toMatch(/[\r\u001b\u0085\u2028\u202e]/);
    expect(text.split('\n')).toHaveLength(4);
  });
});

describe('a plan with conflicts', () => {
  const conflicted = (changes: Change[]) => makePlan('sync-accounts', { config: 'c', live: 'l' }, changes, { conflicts: ['foo: left alone because accounts 1 and 2 are both tagged orgvend:name=foo'] });
  const move: Change = { type: 'account.move', target: 'bar', reason: 'ou-changed', before: { account_id: '123456789012', ou: 'A' }, after: { ou: 'B' } };

  it('never says the organization matches the repository, and lists each conflict as an error', () => {
    const text = renderPlanText(conflicted([]), style(false));
    expect(text).toContain('error: foo: left alone because accounts 1 and 2 are both tagged orgvend:name=foo');
    expect(text).not.toContain('No changes. The organization matches');
    expect(text).toContain('No changes can be made, and the organization does not match the repository: 1 conflict needs a person.');
    const markdown = renderPlanMarkdown(conflicted([move]));
    expect(markdown).toContain('> **error:** foo: left alone because accounts 1 and 2 are both tagged orgvend:name=foo');
    expect(markdown).toContain('**Plan: 1 change: 1 account.move. 1 conflict needs a person; nothing is done for them.**');
  });
});

describe('a long plan in markdown', () => {
  /** `count` changes of planWith(value), repeated with distinct targets. */
  function longPlan(count: number, value: string): Plan {
    const base = planWith(value);
    const changes = Array.from({ length: count }, (_, i) => ({ ...base.changes[i % base.changes.length]!, target: `${base.changes[i % base.changes.length]!.target}-${i}` }));
    return makePlan('sync-accounts', base.basis, changes, { unmanaged: base.unmanaged, notes: base.notes, conflicts: base.conflicts });
  }

  it('folds its table into one <details> per change type, counted', () => {
    const markdown = renderPlanMarkdown(longPlan(25, ''));
    expect(markdown.match(/<details><summary>\d+ [a-z.]+<\/summary>/g)).toEqual([
      '<details><summary>5 ou.create</summary>',
      '<details><summary>5 account.create</summary>',
      '<details><summary>5 account.tag</summary>',
      '<details><summary>5 contacts.put</summary>',
      '<details><summary>5 stack.deploy</summary>',
    ]);
    expect(markdown).not.toContain('are not shown here');
    // A short plan keeps its one table.
    expect(renderPlanMarkdown(planWith(''))).not.toMatch(/<summary>\d+ [a-z]+\.[a-z]+<\/summary>/);
  });

  it('stays within its budget, says how many changes it left out and where the whole plan is, and escapes what it shows', () => {
    const markdown = renderPlanMarkdown(longPlan(2000, ATTACK), { fullPlanAt: 'the job log' });
    expect(markdown.length).toBeLessThanOrEqual(65_536);
    const [, left] = /> \*\*(\d+) of 2000 changes are not shown here\*\*/.exec(markdown)!;
    expect(Number(left)).toBeGreaterThan(0);
    expect(markdown).toContain("the comment would be longer than GitHub's 65,536 characters. The whole plan: the job log.");
    expect(markdown.split('\n').filter((l) => l.startsWith('**'))).toEqual(['**Plan: 2000 changes: 400 ou.create, 400 account.create, 400 account.tag, 400 contacts.put, 400 stack.deploy. 1 conflict needs a person; nothing is done for them.**']);
    const outsideFences = markdown.replace(/^```diff\n[\s\S]*?^```$/gm, '');
    expect(outsideFences).not.toContain('<!--');
    // Every table row has its five cells: no value ended one.
    const rows = outsideFences.split('\n').filter((l) => l.startsWith('| '));
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.every((r) => r.split('|').length === 7)).toBe(true);
  });

  it('shows the summary and where the whole plan is when not even one change fits', () => {
    const markdown = renderPlanMarkdown(longPlan(10, ''), { maxCharacters: 400, fullPlanAt: 'plan.json' });
    expect(markdown.length).toBeLessThanOrEqual(400);
    expect(markdown).toContain('The plan is too long for a comment.** The whole plan: plan.json.');
    expect(markdown).toContain('**Plan: 10 changes:');
  });
});
