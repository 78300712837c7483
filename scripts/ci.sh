#!/usr/bin/env bash
# What orgvend's GitHub workflows run (.github/workflows/orgvend-plan.yml and
# orgvend-apply.yml), kept here so that a test runs exactly the same commands:
#
#   scripts/ci.sh plan      validate, then every action as a plan (--detailed-exitcode), the
#                           plans sharing one read of the organization's accounts (--shared-read)
#   scripts/ci.sh apply     validate, then every action with --execute, stopping at the first failure
#   scripts/ci.sh comment FILE
#                           post FILE as the pull request's one orgvend comment: the comment
#                           that starts with the same marker is updated, never duplicated
#                           (needs gh, GH_TOKEN, GITHUB_REPOSITORY and PR_NUMBER)
#
# Run from the repository's root (where accounts.yml is). plan and apply write one markdown
# report for a PR comment or the job summary, and each action's output beside it, under
# ORGVEND_CI_DIR (default .orgvend/ci), and exit 0 when every action succeeded (a plan with
# changes included), 1 otherwise. The environment:
#
#   ORGVEND_CLI     the orgvend command (default: run.sh beside this folder)
#   ORGVEND_FLAGS   flags added to every action that talks to AWS, split on spaces
#                   (the tests use --sandbox)
#   ORGVEND_REFRESH 1: sync-accounts, sync-access, put-contacts and enable-region read every account
#                   (--refresh), not only those the repository changed, and render-templates
#                   checks and looks up every template; the apply workflow's nightly run sets it
#   ORGVEND_REVISION the commit the report names (default: GITHUB_SHA, then git's HEAD)
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID:
#                   set by GitHub Actions; used when set
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The actions, in the order they must be applied: the OUs and accounts first, then the
# policies attached to them, the security baseline (its trail needs the logs account's
# bucket, which sync-accounts deploys), people's access (Identity Center's groups in the
# accounts), their contacts and regions, and the templates last.
ACTIONS=(sync-accounts sync-scps sync-security sync-access put-contacts enable-region render-templates)
# GitHub refuses a comment over 65,536 characters; a byte is at most one character.
COMMENT_LIMIT=65000

# A foldable group in GitHub Actions' log.
group() { [[ "${GITHUB_ACTIONS:-}" != true ]] || echo "::group::$1" >&2; }
endgroup() { [[ "${GITHUB_ACTIONS:-}" != true ]] || echo "::endgroup::" >&2; }

usage() {
  echo "usage: scripts/ci.sh plan|apply|comment FILE" >&2
  exit 64
}

# The longest run of backticks in FILE, plus one (at least three): a fence that no line of it can close.
fence_for() {
  local longest
  longest=$(grep -o '`\+' "$1" | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }')
  local width=$((longest >= 3 ? longest + 1 : 3))
  printf '%*s' "$width" '' | tr ' ' '`'
}

# FILE's text in a fenced block, under its heading.
fenced_section() {
  local title="$1" file="$2" fence
  fence=$(fence_for "$file")
  printf '### orgvend %s\n\n%s\n' "$title" "$fence"
  cat "$file"
  [[ -z "$(tail -c 1 "$file")" ]] || echo
  printf '%s\n\n' "$fence"
}

# What an exit code means for the action's row in the report.
describe() {
  local mode="$1" code="$2"
  case "$code" in
    0) [[ "$mode" == plan ]] && echo 'no changes' || echo 'done' ;;
    2) [[ "$mode" == plan ]] && echo 'changes' || echo 'failed (exit 2)' ;;
    1) echo 'failed (exit 1)' ;;
    64) echo 'bad command line (exit 64)' ;;
    65) echo 'invalid input (exit 65)' ;;
    *) echo "failed (exit $code)" ;;
  esac
}

revision() {
  local rev="${ORGVEND_REVISION:-${GITHUB_SHA:-}}"
  [[ -n "$rev" ]] || rev=$(git rev-parse HEAD 2>/dev/null || true)
  # Printed into the comment: only a commit id is.
  [[ "$rev" =~ ^[0-9a-f]{7,40}$ ]] && echo "${rev:0:12}"
  return 0
}

run_actions() {
  local mode="$1"
  local dir="${ORGVEND_CI_DIR:-.orgvend/ci}"
  local report="$dir/comment.md"
  local -a cli extra
  if [[ -n "${ORGVEND_CLI:-}" ]]; then cli=("$ORGVEND_CLI"); else cli=("$here/../run.sh"); fi
  # (The ${a[@]+...} forms below keep an empty array from tripping set -u in bash before 4.4.)
  read -r -a extra <<<"${ORGVEND_FLAGS:-}"
  local -a mode_flags=(--format markdown --detailed-exitcode)
  [[ "$mode" == apply ]] && mode_flags=(--format markdown --execute)
  # The plans share one read of the organization's accounts and tags (--shared-read), kept
  # out of ORGVEND_CI_DIR (which the workflow uploads) and removed when the job ends; an
  # apply reads the organization afresh in each action, as every --execute does.
  if [[ "$mode" == plan ]]; then
    shared_dir=$(mktemp -d)
    trap 'rm -rf "$shared_dir"' EXIT
    mode_flags+=(--shared-read "$shared_dir/organization.json")
  fi

  rm -rf "$dir"
  mkdir -p "$dir/parts"
  export NO_COLOR=1

  local -a names=() results=() codes=()
  local failed=0 changes=0 code

  # validate: offline, and what every action below would refuse first.
  group "orgvend validate"
  code=0
  "${cli[@]}" --action validate >"$dir/validate.txt" 2>&1 || code=$?
  cat "$dir/validate.txt" >&2
  endgroup
  names+=(validate)
  codes+=("$code")
  if ((code == 0)); then results+=(valid); else results+=("$(describe "$mode" "$code")"); failed=1; fi

  local action
  for action in "${ACTIONS[@]}"; do
    names+=("$action")
    if ((failed)) && { [[ "$mode" == apply ]] || ((codes[0] != 0)); }; then
      # After a failure, apply goes no further (what follows may depend on it); nor does
      # anything follow an invalid repository, which every action would refuse alike.
      results+=('not run')
      codes+=('')
      continue
    fi
    group "orgvend $action"
    code=0
    local -a refresh=()
    [[ "$action" =~ ^(sync-accounts|sync-access|put-contacts|enable-region|render-templates)$ && "${ORGVEND_REFRESH:-}" == 1 ]] && refresh=(--refresh)
    # stdout to the action's file, stderr both to the job's log and to a file (pipefail: the CLI's code).
    "${cli[@]}" --action "$action" "${mode_flags[@]}" ${refresh[@]+"${refresh[@]}"} ${extra[@]+"${extra[@]}"} 2>&1 >"$dir/$action.md" | tee "$dir/$action.log" >&2 || code=$?
    endgroup
    codes+=("$code")
    results+=("$(describe "$mode" "$code")")
    case "$code" in
      0) ;;
      2) [[ "$mode" == plan ]] && changes=1 || failed=1 ;;
      *) failed=1 ;;
    esac
  done

  # The sections: each action's markdown, or what it said on stderr when it printed nothing.
  local -a sections=() titles=()
  local i file
  for i in "${!names[@]}"; do
    [[ -n "${codes[$i]}" ]] || continue
    file="$dir/parts/section-$i.md"
    if [[ "${names[$i]}" == validate ]]; then
      if ((codes[i] == 0)); then continue; fi
      fenced_section validate "$dir/validate.txt" >"$file"
    elif [[ -s "$dir/${names[$i]}.md" ]]; then
      { cat "$dir/${names[$i]}.md"; echo; } >"$file"
    else
      tail -n 40 "$dir/${names[$i]}.log" >"$dir/parts/${names[$i]}.tail"
      fenced_section "${names[$i]}" "$dir/parts/${names[$i]}.tail" >"$file"
    fi
    sections+=("$file")
    titles+=("${names[$i]}")
  done

  local rev run_url=''
  rev=$(revision)
  if [[ -n "${GITHUB_RUN_ID:-}" && -n "${GITHUB_REPOSITORY:-}" ]]; then
    run_url="${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
  fi
  {
    echo "<!-- orgvend-$mode -->"
    echo "## orgvend $mode${rev:+ of \`$rev\`}"
    echo
    echo '| action | result |'
    echo '|---|---|'
    for i in "${!names[@]}"; do echo "| ${names[$i]} | ${results[$i]} |"; done
    echo
    if ((failed)); then
      echo '**Something failed: see its section below and the job log.**'
    elif [[ "$mode" == plan ]] && ((changes)); then
      echo '**Changes pending: they are applied when this is merged.**'
    elif [[ "$mode" == plan ]]; then
      echo '**No changes.**'
    else
      echo '**Applied.**'
    fi
    echo
    if [[ -n "$run_url" ]]; then
      echo "The whole output and the audit records of the run are the artifacts of [the workflow run]($run_url)."
      echo
    fi
  } >"$dir/parts/head.md"

  # GitHub takes a comment of at most 65,536 characters: the largest sections give way to a
  # line saying where the whole output is, until the report fits.
  local total
  total=$(cat "$dir/parts/head.md" ${sections[@]+"${sections[@]}"} | wc -c)
  while ((total > COMMENT_LIMIT)); do
    local largest=-1 size=0 j
    for j in "${!sections[@]}"; do
      if (($(wc -c <"${sections[$j]}") > size)); then size=$(wc -c <"${sections[$j]}"); largest=$j; fi
    done
    # Nothing left to shorten (a section already shortened is a few lines).
    ((largest >= 0 && size > 1000)) || break
    printf '### orgvend %s\n\n_Too long for a comment (%s bytes): the whole output is in the run'"'"'s artifacts, under .orgvend/ci/._\n\n' "${titles[$largest]}" "$size" >"${sections[$largest]}"
    total=$(cat "$dir/parts/head.md" ${sections[@]+"${sections[@]}"} | wc -c)
  done
  cat "$dir/parts/head.md" ${sections[@]+"${sections[@]}"} >"$report"
  rm -rf "$dir/parts"

  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    { echo "changes=$([[ $changes == 1 ]] && echo true || echo false)"; echo "failed=$([[ $failed == 1 ]] && echo true || echo false)"; echo "report=$report"; } >>"$GITHUB_OUTPUT"
  fi
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then cat "$report" >>"$GITHUB_STEP_SUMMARY"; fi
  echo "orgvend $mode: report in $report" >&2
  return "$failed"
}

post_comment() {
  local file="$1"
  [[ -s "$file" ]] || { echo "scripts/ci.sh comment: $file is missing or empty" >&2; exit 1; }
  : "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}" "${PR_NUMBER:?PR_NUMBER is not set}"
  [[ "$PR_NUMBER" =~ ^[0-9]+$ ]] || { echo "scripts/ci.sh comment: PR_NUMBER is not a number" >&2; exit 1; }
  local marker id
  local re='^<!-- orgvend-[a-z]+ -->$'
  marker=$(head -n 1 "$file")
  [[ "$marker" =~ $re ]] || { echo "scripts/ci.sh comment: $file does not start with an orgvend marker" >&2; exit 1; }
  # The workflow's own earlier comment: written by GitHub Actions' bot, starting with the marker.
  id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
    --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)
  if [[ -n "$id" ]]; then
    gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$file" >/dev/null
    echo "updated comment $id on #$PR_NUMBER" >&2
  else
    gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$file" >/dev/null
    echo "commented on #$PR_NUMBER" >&2
  fi
}

case "${1:-}" in
  plan | apply)
    (($# == 1)) || usage
    run_actions "$1"
    ;;
  comment)
    (($# == 2)) || usage
    post_comment "$2"
    ;;
  *) usage ;;
esac
