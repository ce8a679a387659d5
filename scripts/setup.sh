#!/bin/sh
# One entry point for a fresh machine: installs what auditor needs, then runs it.
#   sh scripts/setup.sh demo   system libraries + .venv + auditor (from a built wheel), then the demo audit
#   sh scripts/setup.sh test   system libraries + .venv + auditor[test] (editable), then the test suite
# Extra arguments after the mode are passed on (to `auditor demo` or to pytest).
set -eu
mode="${1:-}"
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/.."

case "$mode" in
  demo|test) ;;
  *) echo "usage: sh scripts/setup.sh demo|test [args...]" >&2; exit 2 ;;
esac

# --- Python 3.11+ ---------------------------------------------------------
PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "error: $PYTHON not found; install Python 3.11 or newer (Debian: apt-get install python3)" >&2
  exit 2
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: auditor needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)" >&2
  exit 2
fi

# --- System libraries (Debian/Ubuntu) -----------------------------------------
# WeasyPrint loads Pango and HarfBuzz at run time; harfbuzz-subset makes font
# subsetting fast; poppler-utils is only for the tests that read PDFs back.
packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
[ "$mode" = test ] && packages="$packages poppler-utils"
if ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1 && [ ! -x .venv/bin/python ]; then
  packages="$packages python3-venv"
fi
if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for pkg in $packages; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    echo "installing system packages:$missing"
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "error: missing system packages:$missing; install them with: apt-get install$missing" >&2
      exit 2
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  fi
fi

# --- Virtual environment in the checkout --------------------------------------
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=".venv/bin/python -m pip"
$PIP install --quiet --disable-pip-version-check --upgrade pip

if [ "$mode" = demo ]; then
  # A regular (wheel) install: the demo runs exactly what users install.
  $PIP install --quiet --disable-pip-version-check --force-reinstall --no-deps . >/dev/null
  $PIP install --quiet --disable-pip-version-check .
  exec .venv/bin/auditor demo "$@"
else
  $PIP install --quiet --disable-pip-version-check -e ".[test]"
  exec .venv/bin/python -m pytest "$@"
fi
