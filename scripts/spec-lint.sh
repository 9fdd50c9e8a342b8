#!/usr/bin/env bash
# Lint the OpenAPI document with Redocly CLI and Spectral, both pinned in tools/npm/package-lock.json.
# Needs only node (>= 20.19) and npm; nothing is installed globally. The tools are installed with `npm ci`
# once per lock and Node.js version, into a cache outside the clone (SPEC_LINT_CACHE, by default
# ~/.cache/briefing/spec-lint), as pre-commit keeps its hooks' environments: the install is 243 packages,
# about 13 s of CPU that every fresh clone spent again for the same files.
# Usage: bash scripts/spec-lint.sh [SPEC]   (SPEC defaults to openapi.json at the repository root;
#        write it with `make openapi` or `.venv/bin/briefing openapi > openapi.json`)
set -euo pipefail

spec="${1:-openapi.json}"
if [[ $# -gt 0 && "$spec" != /* ]]; then
  spec="$(pwd)/$spec"
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools=tools/npm

for cmd in node npm; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    # `make test` must work with only python3 and make: without Node.js the lint is skipped, loudly.
    # CI (CI=true) has Node.js and must never skip it.
    if [[ "${CI:-}" == "true" ]]; then
      echo "spec-lint: '$cmd' is not on PATH, and CI must lint the OpenAPI document" >&2
      exit 2
    fi
    echo "spec-lint: SKIPPED: '$cmd' is not on PATH (install Node.js >= 20.19 with npm to lint openapi.json)" >&2
    exit 0
  fi
done
if [[ ! -f "$spec" ]]; then
  echo "spec-lint: $spec not found; write it with: .venv/bin/briefing openapi > openapi.json" >&2
  exit 2
fi

# The install for this lock: named by the lock's SHA-256 and Node.js's version, made in a scratch directory
# and renamed into place only once complete (two runs at once each make one; either may end in place).
cache="${SPEC_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/briefing/spec-lint}"
key="$(cat "$tools/package-lock.json" "$tools/package.json" | sha256sum | cut -c1-16)-node$(node --version)"
install="$cache/$key"
if [[ ! -x "$install/node_modules/.bin/redocly" || ! -x "$install/node_modules/.bin/spectral" ]]; then
  echo "spec-lint: installing the pinned lint tools (npm ci of $tools/package-lock.json into $install)"
  mkdir -p "$cache"
  scratch="$(mktemp -d "$cache/.install-XXXXXX")"
  cp "$tools/package.json" "$tools/package-lock.json" "$scratch/"
  # No package here needs an install script (the only one is a telemetry ping), so none are run.
  if ! npm ci --prefix "$scratch" --no-audit --no-fund --ignore-scripts --loglevel=error; then
    rm -rf "$scratch"
    exit 2
  fi
  rm -rf "$install.old"
  [[ -e "$install" ]] && mv -T "$install" "$install.old"  # one that lost a tool (the check above)
  mv -T "$scratch" "$install" 2>/dev/null || rm -rf "$scratch"
  rm -rf "$install.old"
fi
bin="$install/node_modules/.bin"

# No usage data or update checks from Redocly CLI.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
names=() patterns=() pids=()

# start NAME PATTERN COMMAND...: run a linter in the background (the two take about as long, and the machine
# has two cores), its output kept for report.
start() {
  local n=${#names[@]}
  names+=("$1") patterns+=("$2")
  shift 2
  "$@" >"$logs/$n" 2>&1 &
  pids+=($!)
}

# report: each tool's output in turn, then a summary line per tool with its own closing line.
report() {
  local i rc last failed=0 summaries=()
  for i in "${!names[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    echo "── ${names[$i]} ──"
    cat "$logs/$i"
    last="$(grep -E "${patterns[$i]}" "$logs/$i" | tail -n 1 | sed -e 's/[[:space:]]*$//' || true)"
    if [[ $rc -eq 0 ]]; then
      summaries+=("spec-lint: ${names[$i]}: OK${last:+ — $last}")
    else
      summaries+=("spec-lint: ${names[$i]}: FAILED (exit $rc)${last:+ — $last}")
      failed=1
    fi
  done
  echo
  printf '%s\n' "${summaries[@]}"
  return "$failed"
}

# The versions for the summary, read from the packages (asking the tools costs two Node.js starts, ~3 s CPU).
version() { sed -n 's/^  "version": "\(.*\)",$/\1/p' "$install/node_modules/$1/package.json"; }

start "redocly $(version @redocly/cli)" \
  'valid|Validation failed|You have [0-9]+ warning|[Ee]rror' \
  "$bin/redocly" lint "$spec"
start "spectral $(version @stoplight/spectral-cli)" \
  'problems? \(|No results|[Ee]rror' \
  "$bin/spectral" lint --fail-severity=warn "$spec"
report
