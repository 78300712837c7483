/**
 * The order orgvend sorts names, keys and messages in, the same on every machine: Unicode's
 * root collation (CLDR), which is `localeCompare`'s order under English. `localeCompare`
 * without a locale takes the machine's (LANG, LC_ALL), and a locale may reorder plain
 * ASCII (Danish puts "A" before "a", Lithuanian "y" before "j"): a CI runner and a laptop
 * would then render the same repository's templates differently, and a plan would show a
 * change that is none.
 *
 * Names are nearly always printable ASCII, and for those the order is computed here from
 * the root collation's table, without ICU: building a collator costs ~7 ms of a process's
 * start, more than all the comparisons of a run. Any other text goes to an English collator.
 */

/** Printable ASCII in the root collation's primary order; a letter's capital shares its primary weight and sorts after it (third level). */
const ROOT_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ';

const PRIMARY = new Uint8Array(128);
const UPPER = new Uint8Array(128);
{
  let weight = 0;
  for (const c of ROOT_ORDER) {
    const code = c.charCodeAt(0);
    const capital = c >= 'A' && c <= 'Z';
    if (!capital) weight += 1;
    PRIMARY[code] = weight;
    UPPER[code] = capital ? 1 : 0;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
let collator: Intl.Collator | undefined;

/** -1, 0 or 1 as `a` sorts before, with or after `b`; for Array.prototype.sort. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (!PRINTABLE_ASCII.test(a) || !PRINTABLE_ASCII.test(b)) return (collator ??= new Intl.Collator('en')).compare(a, b);
  // First the letters and signs (case aside), then the shorter first, then the first case that differs.
  let caseOrder = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (PRIMARY[x] !== PRIMARY[y]) return PRIMARY[x]! < PRIMARY[y]! ? -1 : 1;
    caseOrder ||= UPPER[x]! - UPPER[y]!;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return caseOrder;
}

/** compareText of entries' keys: for `Object.entries(…).sort(byKey)`. */
export const byKey = ([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number => compareText(a, b);
