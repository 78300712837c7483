/**
 * The value of `--name V` or `--name=V` on the command line, read before commander has
 * parsed it (or failed to). Its own module: main.ts reads `--action` with it before the CLI
 * is loaded.
 */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i]!.startsWith(`${name}=`)) return argv[i]!.slice(name.length + 1);
  }
  return undefined;
}
