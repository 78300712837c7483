import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The shell commands in the README's fenced blocks. */
function readmeCommands(): string[] {
  return [...read('README.md').matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split('\n'));
}

describe('README', () => {
  it('gives a command that runs the tests, and .ci/run runs exactly that command', () => {
    const testCommand = readmeCommands().find((c) => c.includes('npm test'));
    expect(testCommand).toBeDefined();
    const ciLines = read('.ci/run').split('\n').map((l) => l.trim());
    expect(ciLines).toContain(testCommand);
  });

  it('gives a ./run.sh command for the main job', () => {
    expect(readmeCommands().some((c) => c.startsWith('./run.sh --'))).toBe(true);
  });
});
