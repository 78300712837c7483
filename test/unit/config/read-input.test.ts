import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInput, firstInvalidUtf8, readInput } from '../../../src/config/read-input.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('reading input as UTF-8', () => {
  it.each([
    ['a stray continuation byte', bytes(0x61, 0x80), { offset: 1, length: 1 }],
    ['a Latin-1 é before a space', bytes(0x43, 0x61, 0x66, 0xe9, 0x20), { offset: 3, length: 2 }],
    ['a lead byte that starts nothing', bytes(0xc0, 0xaf), { offset: 0, length: 1 }],
    ['an overlong three-byte form', bytes(0xe0, 0x80, 0x80), { offset: 0, length: 2 }],
    ['a surrogate', bytes(0xed, 0xa0, 0x80), { offset: 0, length: 2 }],
    ['a code point past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), { offset: 0, length: 2 }],
    ['a character cut short by the end', bytes(0x61, 0xe2, 0x82), { offset: 1, length: 2 }],
    ['a character cut short by the next one', bytes(0xe2, 0x82, 0x41), { offset: 0, length: 3 }],
  ])('finds %s', (_, input, expected) => {
    expect(firstInvalidUtf8(input)).toEqual(expected);
  });

  it('agrees with TextDecoder on which inputs are UTF-8', () => {
    // Seeded, so a failure is the same failure every run. Bytes biased towards the ones that make and break sequences.
    let seed = 20260101;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = [0x41, 0x0a, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff];
    for (let i = 0; i < 5000; i++) {
      const input = Uint8Array.from({ length: 1 + Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]!);
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(input);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(input) === undefined, `[${[...input].map((b) => b.toString(16))}]`).toBe(valid);
    }
  });

  it('places the byte at its line, and at its column as the YAML parser counts them (UTF-16 units)', () => {
    const text = Buffer.concat([Buffer.from('first: line\nname: "😀 é '), bytes(0xff), Buffer.from('"\n')]);
    const { diagnostic } = decodeInput('accounts.yml', text, 1000);
    expect(diagnostic).toMatchObject({ code: 'invalid-utf8', file: 'accounts.yml', line: 2, column: 13, message: 'not UTF-8: 0xFF is not a UTF-8 character', snippet: 'name: "😀 é \uFFFD"' });
  });

  it('says so when a file starts as UTF-16 does', () => {
    expect(decodeInput('accounts.yml', bytes(0xff, 0xfe, 0x61, 0x00), 1000).diagnostic).toMatchObject({ line: 1, column: 1, hint: expect.stringContaining('UTF-16') });
  });

  it('takes UTF-8, a byte order mark included, as it is', () => {
    expect(decodeInput('accounts.yml', Buffer.from('\uFEFFname: é\n'), 1000)).toEqual({ text: 'name: é\n' });
  });

  it('reads a file up to its limit and no further', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-read-'));
    writeFileSync(join(dir, 'exact'), 'x'.repeat(100));
    writeFileSync(join(dir, 'over'), 'x'.repeat(101));
    expect(readInput(join(dir, 'exact'), 'exact', 100)).toEqual({ text: 'x'.repeat(100) });
    expect(readInput(join(dir, 'over'), 'scps/Root/big.json', 100).diagnostic).toMatchObject({
      code: 'input-too-large',
      message: 'scps/Root/big.json is 101 bytes, over the 100 bytes orgvend reads of such a file',
    });
  });

  it('stops reading a device that never ends at its limit', () => {
    expect(readInput('/dev/zero', 'scps/Root/endless.json', 100).diagnostic).toMatchObject({
      code: 'input-too-large',
      message: 'scps/Root/endless.json is larger than the 100 bytes orgvend reads of such a file',
    });
  });
});
