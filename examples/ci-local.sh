#!/bin/sh
# Run the CI examples' steps on this machine, as plain shell commands, against the
# demo client (auditor/demo/demo.yaml, the config the examples point at).
#
#   sh examples/ci-local.sh             the GitHub Actions workflow, examples/github-actions/audit.yml
#   sh examples/ci-local.sh --gitlab    the GitLab CI job, examples/gitlab-ci/.gitlab-ci.yml
#   sh examples/ci-local.sh --print     print the commands, run nothing
#   sh examples/ci-local.sh --install   also run the install step (pip install .) in a
#                                       throwaway venv, instead of using .venv (needs PyPI)
#
# The commands are read from the YAML files, never copied here: what runs is what
# CI runs.  Like a runner, it
#   - runs every `run:` step (GitHub: `bash --noprofile --norc -eo pipefail`) or the
#     job's `script:` lines (GitLab) in a scratch copy of the checkout (symlinks;
#     copies with --install), so `reports/` never lands in your tree;
#   - sets the job's env/variables; `${{ secrets.X }}` is $X from your environment
#     (empty when unset, as on GitHub), `${{ inputs.X }}` is $INPUT_X or the input's
#     default, `${{ env.X }}` the job's X; GITHUB_STEP_SUMMARY is a scratch file,
#     printed at the end;
#   - skips `uses:` steps (checkout: the tree is here; upload-artifact: the files
#     it would upload are listed) and, without --install, the install step
#     (.venv/bin goes first on PATH instead);
#   - after a failing step runs only steps whose `if:` has always(), failure() or
#     !cancelled(), and exits with the first failing step's code (the audit's: 1
#     for the demo client, which has failing findings).
#
# CI_LOCAL_WORKDIR=DIR keeps the scratch folder (workspace, summary) in DIR.
# PYTHON=... picks the interpreter that reads the YAML (default .venv/bin/python).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
if [ ! -x "$PYTHON" ]; then
  echo "error: $PYTHON not found: run 'sh scripts/setup.sh test' first, or set PYTHON" >&2
  exit 2
fi
exec "$PYTHON" - "$@" <<'PY'
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path.cwd()
GITHUB = ROOT / "examples" / "github-actions" / "audit.yml"
GITLAB = ROOT / "examples" / "gitlab-ci" / ".gitlab-ci.yml"
SKIP_IN_WORKSPACE = {".venv", ".git", "reports", "dist", "build", "auditor-demo"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
RECOVERS = ("always()", "failure()", "!cancelled()")

args = sys.argv[1:]
unknown = [a for a in args if a not in ("--gitlab", "--print", "--install", "-h", "--help")]
if unknown or "-h" in args or "--help" in args:
    print("usage: sh examples/ci-local.sh [--gitlab] [--print] [--install]", file=sys.stderr)
    sys.exit(2 if unknown else 0)
GITLAB_MODE, PRINT_ONLY, INSTALL = "--gitlab" in args, "--print" in args, "--install" in args


def is_install(command: str, step_id: str | None = None) -> bool:
    return step_id == "install" or bool(re.search(r"\bpip install\b|scripts/setup\.sh", command))


# ------------------------------------------------------------------ the plans
def github_plan(env_values: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True)) or {}  # YAML 1.1 reads `on` as true
    inputs = ((triggers.get("workflow_dispatch") or {}).get("inputs")) or {}
    (job,) = workflow["jobs"].values()

    def resolve(text: str, env: dict[str, str]) -> str:
        def one(match: re.Match) -> str:
            expr = match.group(1)
            scope, _, name = expr.partition(".")
            if scope == "secrets":
                return os.environ.get(name, "")
            if scope == "inputs":
                default = str((inputs.get(name) or {}).get("default", ""))
                return os.environ.get(f"INPUT_{name.upper()}", default)
            if scope == "env":
                return env.get(name, "")
            if expr == "github.workspace":
                return env_values["GITHUB_WORKSPACE"]
            if expr == "runner.temp":
                return env_values["RUNNER_TEMP"]
            print(f"ci-local: expression '{expr}' is not known here; using ''", file=sys.stderr)
            return ""

        return EXPRESSION.sub(one, str(text))

    env: dict[str, str] = {}
    for key, value in (job.get("env") or {}).items():
        env[key] = resolve(value, env)
    steps = []
    for step in job["steps"]:
        step_env = dict(env)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = resolve(value, step_env)
        with_ = {k: resolve(v, step_env) for k, v in (step.get("with") or {}).items()}
        steps.append(
            {
                "name": step.get("name") or step.get("uses") or "run",
                "id": step.get("id"),
                "run": step.get("run"),
                "uses": step.get("uses"),
                "with": with_,
                "if": str(step.get("if") or ""),
                "env": {k: v for k, v in step_env.items() if k not in env},
            }
        )
    return env, steps


def gitlab_plan(env_values: dict[str, str]) -> tuple[dict[str, str], list[dict]]:
    pipeline = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    (job,) = [v for v in pipeline.values() if isinstance(v, dict) and "script" in v]
    env: dict[str, str] = {}
    for key, value in (job.get("variables") or {}).items():  # GitLab expands $VARS in them
        known = env_values | env
        env[key] = re.sub(
            r"\$\{?(\w+)\}?", lambda m: known.get(m.group(1), os.environ.get(m.group(1), "")),
            str(value),
        )
    lines = [line.strip() for line in job["script"]]
    steps = [
        {"name": f"$ {line.splitlines()[0]}", "id": None, "run": line, "uses": None, "with": {},
         "if": "", "env": {}}
        for line in lines
    ]
    artifacts = job.get("artifacts") or {}
    junit = (artifacts.get("reports") or {}).get("junit")
    steps.append({"name": "artifacts", "id": None, "run": None, "uses": "artifacts",
                  "with": {"path": artifacts.get("paths") or [], "junit": junit},
                  "if": "always()" if artifacts.get("when") == "always" else "", "env": {}})
    return env, steps


# ------------------------------------------------------------------ workspace
def workspace(work: Path) -> Path:
    """A scratch copy of the checkout: symlinks to its entries (copies with --install,
    so a build sees real files)."""
    space = work / "workspace"
    space.mkdir(parents=True)
    for entry in sorted(ROOT.iterdir()):
        if entry.name in SKIP_IN_WORKSPACE or entry.name.endswith((".egg-info", "_cache")):
            continue
        target = space / entry.name
        if not INSTALL:
            target.symlink_to(entry)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".auditor"))
        else:
            shutil.copy2(entry, target)
    return space


def shell() -> list[str]:
    bash = shutil.which("bash")
    return [bash, "--noprofile", "--norc", "-eo", "pipefail"] if bash else ["sh", "-e"]


def main() -> int:
    kept = os.environ.get("CI_LOCAL_WORKDIR")
    work = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="ci-local-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return run(work)
    finally:
        if not kept:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path) -> int:
    space = work / "workspace"
    base = {
        "CI": "true",
        "GITHUB_WORKSPACE": str(space),
        "RUNNER_TEMP": str(work / "tmp"),
        "GITHUB_STEP_SUMMARY": str(work / "step-summary.md"),
    }
    if GITLAB_MODE:
        base |= {"GITLAB_CI": "true", "CI_PROJECT_DIR": str(space), "CI_PIPELINE_SOURCE": "web"}
        job_env, steps = gitlab_plan(base)
    else:
        job_env, steps = github_plan(base)
        base |= {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_dispatch"}
    if PRINT_ONLY:
        for step in steps:
            if step["run"]:
                print(f"# {step['name']}")
                print(step["run"].rstrip("\n"))
        return 0

    if (space).exists():
        shutil.rmtree(space)
    workspace(work)
    (work / "tmp").mkdir(exist_ok=True)
    Path(base["GITHUB_STEP_SUMMARY"]).write_text("", encoding="utf-8")
    env = dict(os.environ) | base
    if INSTALL:
        venv_dir = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir)], check=True)
        bin_dir = venv_dir / "bin"
    else:
        bin_dir = ROOT / ".venv" / "bin"
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env |= job_env

    failed = 0
    for number, step in enumerate(steps, 1):
        condition = step["if"]
        if failed and not any(word in condition for word in RECOVERS):
            print(f"==> {step['name']}: skipped (an earlier step failed)", flush=True)
            continue
        if step["uses"]:
            note = "skipped locally"
            if step["uses"].startswith("actions/upload-artifact") or step["uses"] == "artifacts":
                paths = step["with"].get("path") or []
                files = sorted(
                    p
                    for pattern in ([paths] if isinstance(paths, str) else paths)
                    for p in (space / pattern).rglob("*")
                    if p.is_file()
                )
                shown = ", ".join(str(p.relative_to(space)) for p in files) or "nothing"
                note = f"would upload {shown}"
                junit = step["with"].get("junit")
                if junit:
                    found = "found" if (space / junit).is_file() else "MISSING"
                    note += f"; JUnit report {junit}: {found}"
            label = step["name"] if step["name"] == step["uses"] else f"{step['name']} ({step['uses']})"
            print(f"==> {label}: {note}", flush=True)
            continue
        if is_install(step["run"], step["id"]) and not INSTALL:
            print(f"==> {step['name']}: skipped, using {bin_dir.parent} (--install runs it)",
                  flush=True)
            continue
        print(f"==> {step['name']}", flush=True)
        script = work / "tmp" / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        code = subprocess.run(
            [*shell(), str(script)], cwd=space, env=env | step["env"], stdin=subprocess.DEVNULL
        ).returncode
        if code:
            print(f"==> {step['name']}: exit {code}", flush=True)
            failed = failed or code
    summary = Path(base["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    if summary and not GITLAB_MODE:
        print("==> job summary ($GITHUB_STEP_SUMMARY)")
        print(summary, end="" if summary.endswith("\n") else "\n")
    print(f"==> job {'failed, exit ' + str(failed) if failed else 'succeeded'}")
    return failed


sys.exit(main())
PY
