/**
 * Every file in test/fixtures/invalid/ is a broken DSL. The offending line carries a
 * comment `# ERROR <code>: <fragment>` (or the header says `# expect <code> at line N: …`
 * where a comment would change how YAML parses the line). Each expected error must be
 * reported on that line with that code and text, and nothing else may be an error.
 * Large inputs (a file over the size limit, thousands of problems) are made in
 * input-limits.test.ts rather than stored here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigBytes } from '../../../src/config/load.js';
import { renderDiagnostic } from '../../../src/views/diagnostics.js';
import { style } from '../../../src/views/style.js';

const dir = new URL('../../fixtures/invalid/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();

interface Expectation {
  line: number;
  code: string;
  fragment: string;
}

function expectationsOf(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, i) => {
    const inline = line.match(/# ERROR ([a-z0-9-]+): (.+)$/);
    if (inline) out.push({ line: i + 1, code: inline[1]!, fragment: inline[2]!.trim() });
    const header = line.match(/^# expect ([a-z0-9-]+) at line (\d+): (.+)$/);
    if (header) out.push({ line: Number(header[2]), code: header[1]!, fragment: header[3]!.trim() });
  });
  return out;
}

describe('invalid DSL corpus', () => {
  it('has at least 25 broken files', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(files)('%s is rejected with the expected errors on the expected lines', (file) => {
    // Read as bytes, as the CLI reads them: a fixture may hold a byte that is not UTF-8.
    const bytes = readFileSync(new URL(file, dir));
    const expectations = expectationsOf(bytes.toString('utf8'));
    expect(expectations.length, 'fixture declares what it expects').toBeGreaterThan(0);

    const result = parseConfigBytes(file, bytes);
    expect(result.desired).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    for (const { line, code, fragment } of expectations) {
      const onLine = errors.filter((d) => d.line === line && d.code === code);
      expect(onLine, `${code} on line ${line}; got ${JSON.stringify(errors.map((e) => [e.line, e.code, e.message]))}`).not.toHaveLength(0);
      const rendered = onLine.map((d) => renderDiagnostic(d, style(false))).join('\n');
      expect(rendered).toContain(fragment);
      expect(rendered).toContain(`${file}:${line}:`);
    }
    const unexpected = errors.filter((d) => !expectations.some((e) => e.line === d.line && e.code === d.code));
    expect(unexpected).toEqual([]);
  });
});
