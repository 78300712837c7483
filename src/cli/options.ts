/** The command line every action shares; each action says which flags it takes. */
export type Format = 'text' | 'markdown' | 'json';

export interface CliOptions {
  action: string;
  config: string;
  account?: string;
  format?: Format;
  /** The AWS profile whose credentials the SDK's chain uses (as AWS_PROFILE does); not with --sandbox. */
  profile?: string;
  /** Run against the local sandbox organization instead of AWS. */
  sandbox?: boolean;
  /** Run the handlers in this process with the caller's credentials instead of over the bus. */
  direct?: boolean;
  /** Turn the dry run into a real one. */
  execute?: boolean;
  /** With --execute on a terminal: do not ask for confirmation. */
  yes?: boolean;
  /** Save the plan as JSON; import: the accounts.yml to write. */
  out?: string;
  /** import: add to the existing --out file what it does not have, instead of refusing to overwrite it. */
  merge?: boolean;
  /** Apply (or show) a plan saved with --out instead of making one. */
  plan?: string;
  /** Exit 2 when the plan has changes. */
  detailedExitcode?: boolean;
  /** sync-accounts: read every account's parameters and stacks, even those their applied tag vouches for. */
  refresh?: boolean;
  /** A plan: take the organization's accounts from this file when an earlier plan of the job read them with the same OU tree; else read them and write it. */
  sharedRead?: string;
  /** sync-scps: `test` stages changed policies in the test OU only. */
  stage?: 'test' | 'all';
  /** create-record: the record's name, type, values and TTL. */
  record?: string;
  type?: string;
  value?: string[];
  ttl?: number;
}

export type Flag = Exclude<keyof CliOptions, 'action'>;
