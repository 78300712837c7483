/** ANSI styling, on only when the caller says so (a TTY without NO_COLOR). */
export interface Style {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function style(colors: boolean): Style {
  if (!colors) {
    const plain = (text: string) => text;
    return { red: plain, green: plain, yellow: plain, cyan: plain, bold: plain, dim: plain };
  }
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}
