/**
 * Events and SQS messages are limited to 256 KB. A reply whose JSON is larger is sent as
 * numbered parts, each carrying a slice of the JSON text; the receiver joins them in order.
 */

/**
 * Bytes per part, counted as the chunk weighs inside the event detail (JSON-escaped),
 * which leaves room under the 256 KB limit for the envelope EventBridge adds.
 */
export const MAX_CHUNK_BYTES = 200_000;

/** The most an event or message may weigh. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Split a UTF-8 string into slices of at most `maxBytes`, never inside a character. */
export function splitUtf8(text: string, maxBytes = MAX_CHUNK_BYTES): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return [text];
  const chunks: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Back off continuation bytes (10xxxxxx) so a character is never cut in two.
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end -= 1;
    chunks.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return chunks;
}

export type ReplyBody = { result: unknown } | { chunk: string };

const escapedBytes = (chunk: string) => Buffer.byteLength(JSON.stringify(chunk), 'utf8');

/** The bodies of the parts of a successful reply. */
export function toParts(result: unknown, maxBytes = MAX_CHUNK_BYTES): ReplyBody[] {
  const json = JSON.stringify(result ?? null);
  if (Buffer.byteLength(json, 'utf8') <= maxBytes) return [{ result: result ?? null }];
  // Escaping grows the text by a ratio that varies along it: start from the average and
  // cut finer until every chunk fits.
  let raw = Math.floor((maxBytes * Buffer.byteLength(json, 'utf8')) / escapedBytes(json));
  for (;;) {
    const chunks = splitUtf8(json, raw);
    if (chunks.every((chunk) => escapedBytes(chunk) <= maxBytes)) return chunks.map((chunk) => ({ chunk }));
    raw = Math.floor(raw * 0.8);
  }
}

/** Join parts given in any order; throws if one is missing or duplicated differently. */
export function fromParts(parts: ReadonlyMap<number, ReplyBody>, total: number): unknown {
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !parts.has(n));
  if (missing.length) throw new Error(`reply incomplete: missing part(s) ${missing.join(', ')} of ${total}`);
  if (total === 1) {
    const only = parts.get(1)!;
    return 'result' in only ? only.result : JSON.parse(only.chunk);
  }
  let json = '';
  for (let n = 1; n <= total; n++) {
    const part = parts.get(n)!;
    if (!('chunk' in part)) throw new Error(`reply part ${n} of ${total} carries no chunk`);
    json += part.chunk;
  }
  return JSON.parse(json);
}
