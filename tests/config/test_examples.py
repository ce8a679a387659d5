"""The CI examples run as written against the demo client.

- The GitHub Actions workflow: its structure (schedule, manual dispatch, secrets
  only from the secret store, JUnit uploaded), and its `run:` steps executed by
  `examples/ci-local.sh`, which reads them from the YAML (checked: what it runs
  is exactly what the workflow says).
- The GitLab CI job: structure (schedule only, artifacts:reports:junit) and its
  script run the same way.
- The cron line and its wrapper script.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from auditor.cli.main import main
from auditor.core.resources import demo_dir
from tests.helpers import ROOT

EXAMPLES = ROOT / "examples"
WORKFLOW = EXAMPLES / "github-actions" / "audit.yml"
GITLAB = EXAMPLES / "gitlab-ci" / ".gitlab-ci.yml"
CRONTAB = EXAMPLES / "cron" / "crontab"
WRAPPER = EXAMPLES / "cron" / "audit-check.sh"
CI_LOCAL = EXAMPLES / "ci-local.sh"
XSD = ROOT / "tests" / "fixtures" / "junit" / "junit.xsd"
AUDITOR = ROOT / ".venv" / "bin" / "auditor"
DEMO_CONFIG = "auditor/demo/demo.yaml"
# Something that looks like a real credential, not a reference to one.
CREDENTIAL = re.compile(r"pat-[a-z0-9-]{8,}|\b[0-9a-f]{32}-us\d+\b|\bBearer\s+\w{8,}", re.I)

needs_venv = pytest.mark.skipif(not AUDITOR.is_file(), reason="needs the project's .venv")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_steps(workflow: dict) -> list[tuple[str, str]]:
    (job,) = workflow["jobs"].values()
    return [(s.get("name", "run"), s["run"]) for s in job["steps"] if "run" in s]


def check_command(text: str) -> list[str]:
    """The `auditor check ...` command of a step, as argv (line continuations joined)."""
    joined = text.replace("\\\n", " ")
    line = next(line for line in joined.splitlines() if "auditor check" in line)
    return shlex.split(line[line.index("auditor check") :])


def options_of(argv: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i, arg in enumerate(argv):
        if arg.startswith("--") and i + 1 < len(argv):
            out.setdefault(arg, []).append(argv[i + 1])
    return out


def validate_junit(path: Path) -> ET.Element:
    document = ET.parse(path).getroot()
    assert document.tag == "testsuites"
    try:
        import xmlschema
    except ImportError:  # pragma: no cover - xmlschema is a test dependency
        return document
    xmlschema.XMLSchema(XSD).validate(str(path))
    return document


def ci_local(*args: str, workdir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(CI_LOCAL), *args],
        cwd=ROOT,
        # the interpreter running the tests reads the workflow (any checkout, any venv)
        env=os.environ | {"CI_LOCAL_WORKDIR": str(workdir), "PYTHON": sys.executable} | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def is_cron_field(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not step.isdigit():
            return False
        if base == "*":
            continue
        bounds = base.split("-")
        if not all(b.isdigit() and low <= int(b) <= high for b in bounds) or len(bounds) > 2:
            return False
    return True


def is_cron_schedule(fields: list[str]) -> bool:
    limits = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
    return len(fields) == 5 and all(
        is_cron_field(f, lo, hi) for f, (lo, hi) in zip(fields, limits, strict=True)
    )


# ---------------------------------------------------------------- GitHub Actions
def test_workflow_is_scheduled_and_dispatchable_with_secrets_from_the_store():
    text = WORKFLOW.read_text(encoding="utf-8")
    workflow = load(WORKFLOW)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    (schedule,) = triggers["schedule"]
    assert is_cron_schedule(schedule["cron"].split())
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}

    (job,) = workflow["jobs"].values()
    assert job["env"]["AUDIT_CONFIG"] == DEMO_CONFIG
    assert (ROOT / job["env"]["AUDIT_CONFIG"]).is_file()
    assert job["env"]["HUBSPOT_TOKEN"] == "${{ secrets.HUBSPOT_TOKEN }}"
    # Secrets only ever reach the environment, never a command line or a with: input.
    for step in job["steps"]:
        assert "secrets." not in json.dumps(step), step.get("name")
    assert not CREDENTIAL.search(text)


def test_workflow_installs_runs_check_and_uploads_the_junit_report():
    workflow = load(WORKFLOW)
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    install = next(s for s in steps if s.get("id") == "install")
    assert "pip install" in install["run"] or "scripts/setup.sh" in install["run"]

    audit = next(s for s in steps if "auditor check" in s.get("run", ""))
    argv = check_command(audit["run"])
    assert argv[2] == "$AUDIT_CONFIG"
    options = options_of(argv)
    assert options["--format"] == ["text,junit,md,github"]
    outputs = dict(o.split("=", 1) for o in options["--output"])
    assert outputs["md"] == "$GITHUB_STEP_SUMMARY"
    assert outputs["junit"] == "$REPORTS/audit.xml"
    assert set(outputs) == {"text", "junit", "md"}  # github annotations go to stdout
    known = {opt for p in main.commands["check"].params for opt in p.opts}
    assert {o for o in options if o.startswith("--")} <= known

    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "cancelled()" in upload["if"] or "always()" in upload["if"]
    assert upload["with"]["path"] == "${{ env.REPORTS }}/"
    assert job["env"]["REPORTS"] == "reports"


@needs_venv
def test_ci_local_runs_exactly_the_workflow_run_steps(tmp_path: Path):
    printed = ci_local("--print", workdir=tmp_path)
    assert printed.returncode == 0, printed.stderr
    expected = "".join(
        f"# {name}\n{command.rstrip(chr(10))}\n" for name, command in run_steps(load(WORKFLOW))
    )
    assert printed.stdout == expected
    # and ci-local.sh itself holds no copy of them
    script = CI_LOCAL.read_text(encoding="utf-8")
    for _, command in run_steps(load(WORKFLOW)):
        if "auditor check" in command:
            assert "--output junit=" not in script


@needs_venv
def test_the_workflow_runs_as_written_against_the_demo_client(tmp_path: Path):
    result = ci_local(workdir=tmp_path)
    # The demo client has failing findings: the Audit step, and so the job, exit 1.
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "==> Install auditor: skipped, using" in out
    assert "==> Audit: exit 1" in out
    assert re.search(r"(?m)^::error title=FAIL unsubscribe-rate%3A", out)  # annotations
    assert "==> Ranked findings\nSuministros Industriales Ebro, S.L. · 2026-Q3" in out
    assert "would upload reports/audit.txt, reports/audit.xml" in out
    assert out.rstrip().endswith("==> job failed, exit 1")

    reports = tmp_path / "workspace" / "reports"
    suites = validate_junit(reports / "audit.xml")
    failures = sum(int(s.get("failures")) for s in suites.iter("testsuite"))
    demo = json.loads(
        subprocess.run(
            [str(AUDITOR), "check", str(demo_dir() / "demo.yaml"), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    )
    assert failures == sum(1 for f in demo["findings"] if f["status"] == "fail")
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert summary.startswith("## ")
    assert "Suministros Industriales Ebro" in summary
    assert not (ROOT / "reports").exists()  # ran in the scratch workspace


def test_ci_local_rejects_unknown_options(tmp_path: Path):
    printed = ci_local("--print", "--bogus", workdir=tmp_path)
    assert printed.returncode == 2
    assert "usage:" in printed.stderr


# ---------------------------------------------------------------------- GitLab
def test_gitlab_job_is_scheduled_and_reports_junit():
    text = GITLAB.read_text(encoding="utf-8")
    pipeline = load(GITLAB)
    (name,) = [k for k, v in pipeline.items() if isinstance(v, dict) and "script" in v]
    job = pipeline[name]
    sources = {r["if"] for r in job["rules"]}
    assert sources == {'$CI_PIPELINE_SOURCE == "schedule"', '$CI_PIPELINE_SOURCE == "web"'}
    assert job["variables"]["AUDIT_CONFIG"] == DEMO_CONFIG
    assert job["artifacts"]["when"] == "always"
    junit = job["artifacts"]["reports"]["junit"]
    command = next(line for line in job["script"] if "auditor check" in line)
    argv = check_command(command)
    outputs = dict(o.split("=", 1) for o in options_of(argv)["--output"])
    reports_dir = job["variables"]["REPORTS"]
    assert outputs["junit"].replace("$REPORTS", reports_dir) == junit
    assert any(line.startswith("python -m pip install") for line in job["script"])
    assert not CREDENTIAL.search(text)


@needs_venv
def test_the_gitlab_job_runs_as_written_against_the_demo_client(tmp_path: Path):
    result = ci_local("--gitlab", workdir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "JUnit report reports/audit.xml: found" in result.stdout
    validate_junit(tmp_path / "workspace" / "reports" / "audit.xml")
    assert (tmp_path / "workspace" / "reports" / "audit.md").is_file()
    assert "Suministros Industriales Ebro, S.L. · 2026-Q3" in result.stdout  # text on the log


# ------------------------------------------------------------------------ cron
def crontab_jobs() -> tuple[dict[str, str], list[tuple[list[str], str]]]:
    env: dict[str, str] = {}
    jobs = []
    for line in CRONTAB.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Z_]+)=(\S+)", line.strip())
        if match:
            env[match.group(1)] = match.group(2)
            continue
        fields = line.split()
        jobs.append((fields[:5], " ".join(fields[5:])))
    return env, jobs


def test_crontab_lines_are_valid_and_use_the_wrapper():
    env, jobs = crontab_jobs()
    assert "MAILTO" in env
    assert env["AUDITOR_ENV"].startswith("/etc/")  # secrets in a file, not in the crontab
    assert len(jobs) == 2
    for schedule, command in jobs:
        assert is_cron_schedule(schedule), schedule
        assert "%" not in command  # cron would turn it into a newline
        words = shlex.split(command)
        script = next(w for w in words if w.endswith("audit-check.sh"))
        assert (ROOT / script.removeprefix("/opt/auditor/")).is_file()
    assert not CREDENTIAL.search(CRONTAB.read_text(encoding="utf-8"))
    assert os.access(WRAPPER, os.X_OK)


def wrapper(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(WRAPPER), *args],
        env=os.environ | {"AUDITOR": str(AUDITOR)} | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@needs_venv
def test_cron_wrapper_runs_against_the_demo_client(tmp_path: Path):
    reports = tmp_path / "reports"
    config = str(demo_dir() / "demo.yaml")

    failing = wrapper(config, str(reports))
    assert failing.returncode == 1
    assert failing.stdout.startswith(f"auditor: {config}: exit 1 (reports in {reports}/")
    latest = reports / "latest"
    assert json.loads((latest / "audit.json").read_text(encoding="utf-8"))["exit_code"] == 1
    validate_junit(latest / "audit.xml")
    assert "Suministros Industriales Ebro" in (latest / "audit.txt").read_text(encoding="utf-8")

    healthy = wrapper(config, str(reports), AUDIT_ARGS="--fail-on never")
    assert healthy.returncode == 0
    assert healthy.stdout == ""  # cron mails nothing when all is well
    log = (reports / "check.log").read_text(encoding="utf-8").splitlines()
    assert [line.split()[1:3] for line in log] == [["exit", "1"], ["exit", "0"]]


@needs_venv
def test_cron_wrapper_refuses_a_readable_secrets_file(tmp_path: Path):
    secrets = tmp_path / "env"
    secrets.write_text("HUBSPOT_TOKEN=x\n", encoding="utf-8")
    secrets.chmod(0o644)
    result = wrapper(str(demo_dir() / "demo.yaml"), str(tmp_path / "r"), AUDITOR_ENV=str(secrets))
    assert result.returncode == 2
    assert "chmod 600" in result.stderr
    secrets.chmod(stat.S_IRUSR | stat.S_IWUSR)
    result = wrapper(
        str(demo_dir() / "demo.yaml"),
        str(tmp_path / "r"),
        AUDITOR_ENV=str(secrets),
        AUDIT_ARGS="--fail-on never",
    )
    assert result.returncode == 0


@needs_venv
@pytest.mark.parametrize(
    ("today", "keyword", "period"),
    [
        ("2027 01", "last-quarter", "2026-Q4"),
        ("2026 11", "last-quarter", "2026-Q3"),
        ("2027 01", "last-month", "2026-12"),
        ("2026 10", "last-month", "2026-09"),
    ],
)
def test_cron_wrapper_computes_relative_periods(tmp_path: Path, today, keyword, period):
    year, month = today.split()
    fake = tmp_path / "bin"
    fake.mkdir()
    real_date = shutil.which("date")
    (fake / "date").write_text(
        "#!/bin/sh\n"
        f'case "$*" in "-u +%Y") echo {year};; "-u +%m") echo {month};; '
        f'*) exec {real_date} "$@";; esac\n',
        encoding="utf-8",
    )
    (fake / "date").chmod(0o755)
    reports = tmp_path / "reports"
    wrapper(
        str(demo_dir() / "demo.yaml"),
        str(reports),
        AUDIT_PERIOD=keyword,
        PATH=f"{fake}{os.pathsep}{os.environ['PATH']}",
    )
    (line,) = (reports / "check.log").read_text(encoding="utf-8").splitlines()
    assert line.split()[4] == period


@needs_venv
def test_cron_wrapper_audits_a_folder_as_a_portfolio(tmp_path: Path):
    clients = tmp_path / "clients" / "ebro"
    clients.mkdir(parents=True)
    shutil.copy(demo_dir() / "demo.yaml", clients / "demo.yaml")
    shutil.copy(demo_dir() / "data.csv", clients / "data.csv")
    shutil.copy(demo_dir() / "leads.csv", clients / "leads.csv")
    reports = tmp_path / "reports"
    result = wrapper(str(tmp_path / "clients"), str(reports))
    assert result.returncode == 1
    latest = reports / "latest"
    portfolio = json.loads((latest / "portfolio.json").read_text(encoding="utf-8"))
    assert portfolio["counts"]["audited"] == 1
    assert (latest / "portfolio.html").is_file()
    assert "Suministros Industriales Ebro" in result.stdout
