/**
 * One read of the organization's accounts for every plan of a CI job (--shared-read FILE).
 * The first plan reads them (a tag read per account) and writes FILE; each later plan of
 * the job reads the OU tree again (one request) and takes the accounts from FILE only when
 * that tree is the one FILE was read with and FILE is less than MAX_AGE_MS old. Dry runs
 * only: a run with --execute reads the organization itself.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { OrgAccount, OrgUnit, type ResultOf } from '../protocol/requests.js';
import { writeWhole } from '../write-whole.js';
import { compareText } from '../text-order.js';

/** A CI job's plans run one after another within minutes; a file older than this was not written by this job. */
export const MAX_AGE_MS = 60 * 60 * 1000;

type Tree = ResultOf<'LIST_OUS'>;

const SharedFile = z.strictObject({
  version: z.literal(1),
  read_at: z.iso.datetime(),
  // Shaped as AWS writes it: it is named in the notes a run prints.
  organization_id: z.string().regex(/^o-[a-z0-9]{10,32}$/),
  root_id: z.string(),
  management_account_id: z.string(),
  ous: z.array(OrgUnit),
  accounts: z.array(OrgAccount),
});
type SharedFile = z.infer<typeof SharedFile>;

/** The tree as one string, whatever order its OUs were listed in. */
const treeKey = (tree: Pick<Tree, 'organization_id' | 'root_id' | 'management_account_id' | 'ous'>) =>
  JSON.stringify([tree.organization_id, tree.root_id, tree.management_account_id, [...tree.ous].sort((a, b) => compareText(a.id, b.id)).map((ou) => [ou.id, ou.name, ou.path, ou.parent_id])]);

export class SharedRead {
  constructor(
    readonly path: string,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The accounts FILE holds when it was read with `tree` within MAX_AGE_MS; undefined (and why, in a note) otherwise. */
  accountsFor(tree: Tree): OrgAccount[] | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined; // The job's first plan: nothing to share yet.
    }
    const refuse = (why: string) => {
      this.log(`note: ${this.path} not used (${why}); the organization's accounts are read again`);
      return undefined;
    };
    let parsed: ReturnType<typeof SharedFile.safeParse>;
    try {
      parsed = SharedFile.safeParse(JSON.parse(text));
    } catch {
      return refuse('not JSON');
    }
    if (!parsed.success) return refuse('not a read orgvend wrote');
    const saved = parsed.data;
    const age = this.now() - Date.parse(saved.read_at);
    if (age < 0 || age > MAX_AGE_MS) return refuse(`read at ${saved.read_at}, not within the last ${MAX_AGE_MS / 60_000} minutes`);
    if (saved.organization_id !== tree.organization_id) return refuse(`a read of ${saved.organization_id}, not ${tree.organization_id}`);
    if (treeKey(saved) !== treeKey(tree)) return refuse('the OU tree changed since');
    this.log(`note: the organization's ${saved.accounts.length} accounts and their tags taken from ${this.path}, read ${Math.round(age / 1000)} s ago by an earlier plan with the same OU tree`);
    return saved.accounts;
  }

  /** Keep `accounts`, read with `tree`, for the next plans; written whole or not at all, readable by this user only. */
  save(tree: Tree, accounts: readonly OrgAccount[]): void {
    const file: SharedFile = { version: 1, read_at: new Date(this.now()).toISOString(), ...tree, accounts: [...accounts] };
    try {
      writeWhole(this.path, JSON.stringify(file), { mode: 0o600 });
    } catch (error) {
      this.log(`note: cannot write ${this.path} (${(error as Error).message}); the next plans read the organization again`);
    }
  }
}
