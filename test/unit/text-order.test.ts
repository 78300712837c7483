/**
 * The order orgvend sorts in (src/text-order.ts): the root collation's, computed for
 * printable ASCII without ICU, checked here against ICU's English collator on every pair
 * of characters, every pair of short strings over the characters that tie or nearly tie,
 * and random strings; other text is ICU's English order. And the same on a machine whose
 * locale orders ASCII otherwise (Danish, Lithuanian), where `localeCompare` does not.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareText } from '../../src/text-order.js';

const english = new Intl.Collator('en');
const sign = (n: number) => Math.sign(n);
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

/** The pairs of `strings` on which compareText and ICU's English collator disagree (none, or a few shown). */
function disagreements(strings: readonly string[]): string[] {
  const found: string[] = [];
  for (const a of strings) {
    for (const b of strings) {
      if (sign(compareText(a, b)) !== sign(english.compare(a, b))) found.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${compareText(a, b)}, ICU ${english.compare(a, b)}`);
      if (found.length >= 5) return found;
    }
  }
  return found;
}

/** A generator of the same strings on every run (a test's input is fixed). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('compareText', () => {
  it('orders every pair of printable ASCII characters as ICU does', () => {
    expect(disagreements(['', ...PRINTABLE])).toEqual([]);
  });

  it('orders short strings of letters, their capitals, signs and digits as ICU does: the first letter that differs before case, the shorter before case', () => {
    const alphabet = ['a', 'A', 'b', 'B', 'z', 'Z', '-', '_', ' ', '.', '/', '0', '9', '~'];
    const strings = [''];
    for (let length = 1; length <= 3; length++) {
      for (const prefix of strings.filter((s) => s.length === length - 1)) strings.push(...alphabet.map((c) => prefix + c));
    }
    expect(strings.length).toBeGreaterThan(2_900);
    expect(disagreements(strings)).toEqual([]);
    expect(['ab', 'Ab', 'aB', 'a', 'A', 'a-b', 'a_b', 'a b', 'a0', 'a/b'].sort(compareText)).toEqual(['a', 'A', 'a b', 'a_b', 'a-b', 'a/b', 'a0', 'ab', 'aB', 'Ab']);
  });

  it('orders random names (OU paths, tag keys, ids) as ICU does', () => {
    const random = seeded(15);
    const pick = (chars: string) => chars[Math.floor(random() * chars.length)]!;
    const strings = Array.from({ length: 700 }, () => {
      const length = 1 + Math.floor(random() * 10);
      // Mostly letters, so that long common prefixes and case-only differences come up.
      return Array.from({ length }, () => (random() < 0.8 ? pick('aAbBcC') : pick(PRINTABLE.join('')))).join('');
    });
    expect(disagreements(strings)).toEqual([]);
  });

  it('orders text that is not printable ASCII as ICU English does', () => {
    const strings = ['a', 'ä', 'Å', 'Åse', 'aa', 'z', 'Zoë', 'é', 'e', 'f', 'ß', 'ss', '東京', 'a\tb', 'a b', 'a\u0000b', 'ab', ''];
    expect(disagreements(strings)).toEqual([]);
  });

  it('orders the same under a locale that orders ASCII otherwise, where localeCompare does not', () => {
    const words = ['b', 'a', 'A', 'B', 'y', 'j', 'z', 'Team', 'team', 'aa', 'Åse', 'zoo'];
    const script = [
      `import { compareText } from ${JSON.stringify(new URL('../../src/text-order.ts', import.meta.url).href)};`,
      `const words = ${JSON.stringify(words)};`,
      'console.log(JSON.stringify({ ours: [...words].sort(compareText), machine: [...words].sort((a, b) => a.localeCompare(b)) }));',
    ].join('\n');
    for (const locale of ['da_DK.UTF-8', 'lt_LT.UTF-8']) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, LANG: locale, LC_ALL: locale } });
      expect(child.stderr).toBe('');
      const { ours, machine } = JSON.parse(child.stdout) as { ours: string[]; machine: string[] };
      expect(ours).toEqual([...words].sort(english.compare));
      // The machine's locale does order them otherwise (so the line above could fail).
      expect(machine).not.toEqual(ours);
    }
  });
});
