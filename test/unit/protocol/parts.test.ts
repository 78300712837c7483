import { describe, expect, it } from 'vitest';
import { fromParts, splitUtf8, toParts, MAX_CHUNK_BYTES } from '../../../src/protocol/parts.js';

describe('reply parts', () => {
  it('sends a small result whole, in one part', () => {
    expect(toParts({ a: 1 })).toEqual([{ result: { a: 1 } }]);
    expect(fromParts(new Map([[1, { result: { a: 1 } }]]), 1)).toEqual({ a: 1 });
  });

  it('splits a large result into chunks no larger than the limit and joins them in order', () => {
    const result = { accounts: Array.from({ length: 8000 }, (_, i) => ({ id: String(i).padStart(12, '0'), name: `account ${i} — ünïcode ✓` })) };
    const parts = toParts(result);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify((part as { chunk: string }).chunk))).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    const shuffled = new Map(parts.map((p, i) => [i + 1, p] as const).reverse());
    expect(fromParts(shuffled, parts.length)).toEqual(result);
  });

  it('keeps every chunk under the limit once escaped, even where the text is all quotes', () => {
    const result = { quotes: '"'.repeat(300_000), plain: 'x'.repeat(300_000) };
    const parts = toParts(result) as { chunk: string }[];
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part.chunk))).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    expect(fromParts(new Map(parts.map((p, i) => [i + 1, p] as const)), parts.length)).toEqual(result);
  });

  it('never cuts a multi-byte character in two', () => {
    const text = 'é✓😀'.repeat(1000);
    const chunks = splitUtf8(text, 7);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) {
      expect(chunk).not.toContain('\uFFFD');
      expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(7);
    }
  });

  it('refuses to join a reply with a part missing, naming it', () => {
    const parts = toParts({ big: 'x'.repeat(450_000) });
    const incomplete = new Map(parts.map((p, i) => [i + 1, p] as const));
    incomplete.delete(2);
    expect(() => fromParts(incomplete, parts.length)).toThrow(`missing part(s) 2 of ${parts.length}`);
  });
});
