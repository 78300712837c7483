/**
 * scripts/ci.sh, what the GitHub workflows run: the order of the actions, what each exit code
 * means for the job and the comment, the comment's size, and the sticky comment. The orgvend
 * command here is a stub that answers as told (the end-to-end run against the sandbox with
 * the real CLI is test/integration/ci-workflow.test.ts), and `gh` a stub that keeps a pull
 * request's comments in a file and answers `gh api` as GitHub's REST API does, filtering
 * with the real jq as gh's --jq does.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = new URL('../../../scripts/ci.sh', import.meta.url).pathname;

/** The orgvend stub: FAKE_<action> is its exit code, FAKE_OUT_<action> what it prints on stdout (default: a heading), FAKE_ERR_<action> on stderr. */
const CLI_STUB = `#!/usr/bin/env bash
echo "$*" >>"$FAKE_LOG"
action=""
for ((i = 1; i <= $#; i++)); do [[ "\${!i}" == --action ]] && { j=$((i + 1)); action="\${!j}"; }; done
key="\${action//-/_}"
code_var="FAKE_$key"; out_var="FAKE_OUT_$key"; err_var="FAKE_ERR_$key"
if [[ -n "\${!out_var+x}" ]]; then printf '%s' "\${!out_var}"; elif [[ "$action" == validate ]]; then echo "accounts.yml is valid"; else printf '### orgvend %s\\n\\nthe plan of %s\\n' "$action" "$action"; fi
printf '%s' "\${!err_var:-progress of $action
}" >&2
exit "\${!code_var:-0}"
`;

interface Run {
  code: number | null;
  stderr: string;
  comment: string;
  calls: string[];
  dir: string;
}

function runScript(args: string[], env: Record<string, string> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'orgvend-ci-'));
  const cli = join(dir, 'orgvend');
  writeFileSync(cli, CLI_STUB);
  chmodSync(cli, 0o755);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const result = spawnSync('bash', [SCRIPT, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, ORGVEND_CLI: cli, ORGVEND_FLAGS: '--sandbox', FAKE_LOG: log, ...env },
  });
  const report = join(dir, '.orgvend/ci/comment.md');
  return {
    code: result.status,
    stderr: result.stderr,
    comment: existsSync(report) ? readFileSync(report, 'utf8') : '',
    calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean),
    dir,
  };
}

/** The --shared-read file the plans were given (the first action's). */
const sharedFile = (run: Run) => /--shared-read (\S+)/.exec(run.calls[1] ?? '')?.[1] ?? 'none';

const ACTIONS = ['sync-accounts', 'sync-scps', 'sync-security', 'sync-access', 'put-contacts', 'enable-region', 'render-templates'];

describe('scripts/ci.sh plan', () => {
  it('validates, then plans every action in order with the markdown view and --detailed-exitcode; changes (exit 2) are a success', () => {
    const run = runScript(['plan'], { FAKE_sync_accounts: '2', ORGVEND_REVISION: '0123456789abcdef0123' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls).toEqual([
      '--action validate',
      ...ACTIONS.map((a) => `--action ${a} --format markdown --detailed-exitcode --shared-read ${sharedFile(run)} --sandbox`),
    ]);
    expect(run.comment.split('\n')[0]).toBe('<!-- orgvend-plan -->');
    expect(run.comment).toContain('## orgvend plan of `0123456789ab`');
    expect(run.comment).toContain('| validate | valid |');
    expect(run.comment).toContain('| sync-accounts | changes |');
    expect(run.comment).toContain('| sync-scps | no changes |');
    expect(run.comment).toContain('**Changes pending: they are applied when this is merged.**');
    for (const action of ACTIONS) expect(run.comment).toContain(`### orgvend ${action}\n\nthe plan of ${action}\n`);
    // Progress goes to the job's log.
    expect(run.stderr).toContain('progress of render-templates');
  });

  it('adds nothing to the actions when ORGVEND_FLAGS is not set, as in the workflows', () => {
    const run = runScript(['plan'], { ORGVEND_FLAGS: '' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.slice(1)).toEqual(ACTIONS.map((a) => `--action ${a} --format markdown --detailed-exitcode --shared-read ${sharedFile(run)}`));
  });

  it('gives every plan the same --shared-read file, outside the report folder the workflow uploads, and removes it when the job ends', () => {
    const run = runScript(['plan'], { FAKE_sync_accounts: '2' });
    expect(run.code, run.stderr).toBe(0);
    const file = sharedFile(run);
    expect(run.calls.slice(1).every((c) => c.includes(`--shared-read ${file} `))).toBe(true);
    expect(file.startsWith(run.dir)).toBe(false);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('says so when nothing changes', () => {
    const run = runScript(['plan']);
    expect(run.code).toBe(0);
    expect(run.comment).toContain('**No changes.**');
    expect(run.comment).not.toContain('failed');
  });

  it('fails the job when an action fails, still plans the others and posts what the failed one said', () => {
    const run = runScript(['plan'], {
      FAKE_sync_scps: '1',
      FAKE_OUT_sync_scps: '',
      FAKE_ERR_sync_scps: 'sync-scps: starting\nerror: LIST_POLICIES (nonce 1234) got no reply\n',
    });
    expect(run.code).toBe(1);
    expect(run.calls).toHaveLength(1 + ACTIONS.length);
    expect(run.comment).toContain('| sync-scps | failed (exit 1) |');
    expect(run.comment).toContain('| render-templates | no changes |');
    expect(run.comment).toContain('**Something failed: see its section below and the job log.**');
    expect(run.comment).toContain('### orgvend sync-scps\n\n```\nsync-scps: starting\nerror: LIST_POLICIES (nonce 1234) got no reply\n```\n');
  });

  it('keeps the markdown an action printed for its failure (exit 65) instead of its log', () => {
    const run = runScript(['plan'], { FAKE_enable_region: '65', FAKE_OUT_enable_region: '### orgvend enable-region\n\n**error:** region ap-east-1 denied\n' });
    expect(run.code).toBe(1);
    expect(run.comment).toContain('| enable-region | invalid input (exit 65) |');
    expect(run.comment).toContain('**error:** region ap-east-1 denied');
    expect(run.comment).not.toContain('progress of enable-region');
  });

  it('stops after an invalid repository, posting the diagnostics in a block no line of them can close', () => {
    const diagnostics = 'error[unknown-scope] accounts.yml:3:12: accounts.foo.scope: nope\n  | scope: ```cdee```\n';
    // validate writes its diagnostics to stderr, as orgvend does.
    const run = runScript(['plan'], { FAKE_validate: '65', FAKE_OUT_validate: '', FAKE_ERR_validate: diagnostics });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual(['--action validate']);
    expect(run.comment).toContain('| validate | invalid input (exit 65) |');
    for (const action of ACTIONS) expect(run.comment).toContain(`| ${action} | not run |`);
    expect(run.comment).toContain(`### orgvend validate\n\n\`\`\`\`\n${diagnostics}\`\`\`\`\n`);
  });

  it('keeps the comment under GitHub\'s 65,536 characters: the largest output gives way to a line saying where it is', () => {
    const huge = `### orgvend sync-accounts\n\n${'| + | account.create | x |\n'.repeat(4000)}`;
    const run = runScript(['plan'], { FAKE_sync_accounts: '2', FAKE_OUT_sync_accounts: huge });
    expect(run.code).toBe(0);
    expect(Buffer.byteLength(run.comment)).toBeLessThanOrEqual(65_000);
    expect(run.comment).toMatch(/### orgvend sync-accounts\n\n_Too long for a comment \(\d+ bytes\): the whole output is in the run's artifacts, under \.orgvend\/ci\/\._/);
    expect(run.comment).toContain('the plan of sync-scps');
    // The whole output stays for the artifacts.
    expect(readFileSync(join(run.dir, '.orgvend/ci/sync-accounts.md'), 'utf8')).toBe(huge);
  });

  it('tells GitHub Actions the outcome (step outputs) and names the workflow run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-gh-'));
    const output = join(dir, 'output');
    const run = runScript(['plan'], { FAKE_put_contacts: '2', GITHUB_OUTPUT: output, GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'acme/org', GITHUB_SERVER_URL: 'https://github.com' });
    expect(run.code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('changes=true\nfailed=false\nreport=.orgvend/ci/comment.md\n');
    expect(run.comment).toContain('[the workflow run](https://github.com/acme/org/actions/runs/42)');
  });

  it('refuses anything but plan, apply and comment', () => {
    expect(runScript([]).code).toBe(64);
    expect(runScript(['destroy']).code).toBe(64);
  });
});

describe('scripts/ci.sh apply', () => {
  it('runs every action with --execute, and stops at the first failure: what follows may depend on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-gh-'));
    const summary = join(dir, 'summary');
    const run = runScript(['apply'], { FAKE_put_contacts: '1', GITHUB_STEP_SUMMARY: summary });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([
      '--action validate',
      '--action sync-accounts --format markdown --execute --sandbox',
      '--action sync-scps --format markdown --execute --sandbox',
      '--action sync-security --format markdown --execute --sandbox',
      '--action sync-access --format markdown --execute --sandbox',
      '--action put-contacts --format markdown --execute --sandbox',
    ]);
    expect(run.comment.split('\n')[0]).toBe('<!-- orgvend-apply -->');
    expect(run.comment).toContain('| sync-scps | done |');
    expect(run.comment).toContain('| put-contacts | failed (exit 1) |');
    expect(run.comment).toContain('| enable-region | not run |');
    expect(run.comment).toContain('| render-templates | not run |');
    // The job's summary shows the report.
    expect(readFileSync(summary, 'utf8')).toBe(run.comment);
  });

  it('reads every account and checks every template with ORGVEND_REFRESH=1, as the nightly apply does, in the actions that trust a tag or an index', () => {
    const run = runScript(['apply'], { ORGVEND_REFRESH: '1' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls.filter((c) => c.includes('--refresh'))).toEqual([
      '--action sync-accounts --format markdown --execute --refresh --sandbox',
      '--action sync-access --format markdown --execute --refresh --sandbox',
      '--action put-contacts --format markdown --execute --refresh --sandbox',
      '--action enable-region --format markdown --execute --refresh --sandbox',
      '--action render-templates --format markdown --execute --refresh --sandbox',
    ]);
    expect(runScript(['apply']).calls.filter((c) => c.includes('--refresh'))).toEqual([]);
  });

  it('succeeds when every action did', () => {
    const run = runScript(['apply']);
    expect(run.code).toBe(0);
    expect(run.comment).toContain('**Applied.**');
  });
});

/** gh stub: `gh api [--paginate] [--method M] PATH [--jq EXPR] [-F body=@FILE]` over the comments kept in $GH_STATE (a JSON list). */
const GH_STUB = `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$GH_LOG"
[[ "$1" == api ]] || exit 2
shift
method=GET path="" jq_expr="" body=""
while (($#)); do
  case "$1" in
    --paginate) ;;
    --method) method="$2"; shift ;;
    --jq) jq_expr="$2"; shift ;;
    -F) body="\${2#body=@}"; shift ;;
    *) path="$1" ;;
  esac
  shift
done
case "$method $path" in
  "GET repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments") jq -r "$jq_expr" "$GH_STATE" ;;
  "POST repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments")
    jq --rawfile body "$body" '. + [{id: (length + 100), user: {login: "github-actions[bot]"}, body: $body}]' "$GH_STATE" >"$GH_STATE.new" && mv "$GH_STATE.new" "$GH_STATE" ;;
  PATCH\\ repos/$GITHUB_REPOSITORY/issues/comments/*)
    id="\${path##*/}"
    jq --rawfile body "$body" --argjson id "$id" 'map(if .id == $id then .body = $body else . end)' "$GH_STATE" >"$GH_STATE.new" && mv "$GH_STATE.new" "$GH_STATE" ;;
  *) echo "unexpected: $method $path" >&2; exit 1 ;;
esac
`;

describe('scripts/ci.sh comment', () => {
  function pullRequest(initial: object[]) {
    const dir = mkdtempSync(join(tmpdir(), 'orgvend-pr-'));
    writeFileSync(join(dir, 'gh'), GH_STUB);
    chmodSync(join(dir, 'gh'), 0o755);
    const state = join(dir, 'comments.json');
    writeFileSync(state, JSON.stringify(initial));
    writeFileSync(join(dir, 'gh.log'), '');
    const post = (body: string) => {
      writeFileSync(join(dir, 'comment.md'), body);
      return spawnSync('bash', [SCRIPT, 'comment', join(dir, 'comment.md')], {
        encoding: 'utf8',
        env: { PATH: `${dir}:${process.env.PATH}`, GH_STATE: state, GH_LOG: join(dir, 'gh.log'), GITHUB_REPOSITORY: 'acme/org', PR_NUMBER: '7' },
      });
    };
    const comments = () => JSON.parse(readFileSync(state, 'utf8')) as { id: number; user: { login: string }; body: string }[];
    return { post, comments };
  }

  it('posts one comment, then updates it on every push instead of adding another', () => {
    const pr = pullRequest([{ id: 1, user: { login: 'alice' }, body: 'looks good' }]);
    expect(pr.post('<!-- orgvend-plan -->\n## orgvend plan\nfirst\n').status).toBe(0);
    expect(pr.comments()).toHaveLength(2);
    const second = pr.post('<!-- orgvend-plan -->\n## orgvend plan\nsecond\n');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('updated comment 101 on #7');
    expect(pr.comments()).toEqual([
      { id: 1, user: { login: 'alice' }, body: 'looks good' },
      { id: 101, user: { login: 'github-actions[bot]' }, body: '<!-- orgvend-plan -->\n## orgvend plan\nsecond\n' },
    ]);
  });

  it("leaves alone a person's comment that starts with the marker", () => {
    const pr = pullRequest([{ id: 1, user: { login: 'mallory' }, body: '<!-- orgvend-plan -->\nNo changes.' }]);
    expect(pr.post('<!-- orgvend-plan -->\nchanges\n').status).toBe(0);
    expect(pr.comments().map((c) => [c.id, c.body])).toEqual([
      [1, '<!-- orgvend-plan -->\nNo changes.'],
      [101, '<!-- orgvend-plan -->\nchanges\n'],
    ]);
  });

  it('refuses a file that is not an orgvend report', () => {
    const pr = pullRequest([]);
    const run = pr.post('hello"; .[] | .id #\n');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('does not start with an orgvend marker');
    expect(pr.comments()).toEqual([]);
  });
});
