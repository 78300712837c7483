/** The command line every action shares; each action says which flags it takes. */
export type Format = 'text' | 'markdown' | 'json';

export interface CliOptions {
  action: string;
  config: string;
  account?: string;
  format?: Format;
}

export type Flag = Exclude<keyof CliOptions, 'action'>;
