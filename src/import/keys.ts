/**
 * DSL keys for what the organization names freely: an account called "Payments (EU) #2"
 * becomes `payments-eu-2`. Keys are unique; a second account that slugs to a key
 * already taken gets the last four digits of its id, and the caller reports it.
 */
import { Slug } from '../config/schema.js';

const MAX_KEY = 50;

/** Lowercase letters, digits and single dashes, at most 50 characters; '' when nothing of the name is left. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_KEY)
    .replace(/-+$/, '');
}

export const isSlug = (key: string) => Slug.safeParse(key).success;

/** `base` with `suffix` after a dash, `base` shortened so the whole stays a key. */
function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX_KEY - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/**
 * Hands out unique keys. `taken`: keys in use already (an existing file's). Returns the
 * key, and the key it wanted when that was taken (to be reported).
 */
export class KeyChooser {
  private readonly used: Set<string>;

  constructor(taken: Iterable<string> = []) {
    this.used = new Set(taken);
  }

  has(key: string): boolean {
    return this.used.has(key);
  }

  /** `fallback`: the key when the name has nothing to slug; `tiebreak`: what tells two apart (an account id). */
  choose(wanted: string, fallback: string, tiebreak: string): { key: string; collided?: string } {
    const base = wanted || fallback;
    const candidates = [base, withSuffix(base, tiebreak.slice(-4)), withSuffix(base, tiebreak)];
    for (let n = 2; ; n++) {
      const key = candidates.shift() ?? withSuffix(base, `${tiebreak.slice(-4)}-${n}`);
      if (this.used.has(key)) continue;
      this.used.add(key);
      return key === base ? { key } : { key, collided: base };
    }
  }
}
