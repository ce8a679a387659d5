#!/bin/sh
# Scheduled health check from cron: audit one client (a config) or a portfolio
# (a folder of configs, with `auditor batch`), keep dated reports, and exit with
# the audit's code (0 healthy, 1 findings, 2 bad input, 3 source unreachable).
#
#   audit-check.sh CONFIG|FOLDER [REPORTS_DIR]
#
# Quiet when the exit code is 0, so cron only mails (MAILTO) when something
# needs a look: then it prints the ranked table and any error. Every run appends
# one line to REPORTS_DIR/check.log and writes REPORTS_DIR/<UTC timestamp>/:
#   a config: audit.txt, audit.json, audit.xml (JUnit), stderr.txt
#   a folder: portfolio.html/.csv/.json, each client's JSON, batch.txt, stderr.txt
# REPORTS_DIR/latest points at the newest (REPORTS_DIR default: ~/auditor-reports).
#
# Environment:
#   AUDITOR       the auditor command (default: `auditor` on PATH, else the
#                 .venv/bin/auditor of the checkout this script is in)
#   AUDITOR_ENV   a file of KEY=value lines with the secrets the configs name
#                 (HUBSPOT_TOKEN=pat-...), readable by its owner only (chmod 600):
#                 secrets stay out of the crontab and of the audit configs
#   AUDIT_PERIOD  the period to audit: 2026-Q3, 2026-07..., or last-month or
#                 last-quarter (computed at run time, UTC); default: each config's
#   AUDIT_ARGS    more options for `auditor check` / `auditor batch`,
#                 e.g. "--fail-on warn --record"
set -eu
target=${1:?usage: audit-check.sh CONFIG|FOLDER [REPORTS_DIR]}
reports=${2:-${HOME:-.}/auditor-reports}

if [ -z "${AUDITOR:-}" ]; then
  if command -v auditor >/dev/null 2>&1; then
    AUDITOR=auditor
  else
    AUDITOR="$(cd "$(dirname "$0")/../.." && pwd)/.venv/bin/auditor"
  fi
fi

if [ -n "${AUDITOR_ENV:-}" ]; then
  if [ -n "$(find "$AUDITOR_ENV" -perm /077 2>/dev/null)" ]; then
    echo "error: $AUDITOR_ENV holds secrets but others can read it: chmod 600 $AUDITOR_ENV" >&2
    exit 2
  fi
  set -a
  . "$AUDITOR_ENV"
  set +a
fi

# last-month / last-quarter, with shell arithmetic only (no GNU date needed).
year=$(date -u +%Y)
month=$(date -u +%m)
month=${month#0}
period=${AUDIT_PERIOD:-}
case "$period" in
  last-month)
    if [ "$month" -eq 1 ]; then period="$((year - 1))-12"; else period=$(printf '%d-%02d' "$year" "$((month - 1))"); fi
    ;;
  last-quarter)
    quarter=$(((month - 1) / 3))
    if [ "$quarter" -eq 0 ]; then period="$((year - 1))-Q4"; else period="$year-Q$quarter"; fi
    ;;
esac

mkdir -p "$reports"
# One run at a time: a slow data source must not pile up runs.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$reports/.lock"
  if ! flock -n 9; then
    echo "error: another audit-check is writing to $reports" >&2
    exit 75
  fi
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$reports/$stamp"
mkdir -p "$out"
status=0
if [ -d "$target" ]; then
  summary="$out/batch.txt"
  # shellcheck disable=SC2086  # AUDIT_ARGS is a list of options
  "$AUDITOR" batch "$target" --recursive ${period:+--period "$period"} ${AUDIT_ARGS:-} \
    -o "$out" >"$summary" 2>"$out/stderr.txt" || status=$?
else
  summary="$out/audit.txt"
  # shellcheck disable=SC2086
  "$AUDITOR" check "$target" ${period:+--period "$period"} ${AUDIT_ARGS:-} \
    --format text,json,junit \
    --output json="$out/audit.json" \
    --output junit="$out/audit.xml" \
    >"$summary" 2>"$out/stderr.txt" || status=$?
fi
ln -sfn "$stamp" "$reports/latest"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) exit $status $target ${period:-(config period)} $out" >>"$reports/check.log"

if [ "$status" -ne 0 ]; then
  echo "auditor: $target: exit $status (reports in $out)"
  cat "$summary" "$out/stderr.txt"
fi
exit "$status"
