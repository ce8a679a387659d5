"""Running the CLI as an attacker or a careless user would, and checking what it left.

Every hostile-input test asks the same questions (issue 10): which exit code,
which message (file, line, column), no traceback, no file left behind, and no
secret from the environment in any stream or file.  `hostile_run` answers them
in one place so each test states only its input and its expectation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# A value no test data contains by accident; planted in the environment of every run.
PLANTED_SECRET = "pk_live_0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
PLANTED_VARIABLE = "AUDITOR_TEST_PLANTED_SECRET"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    out_dir: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def files(self) -> list[Path]:
        """Every file under the output folder, hidden temporaries included."""
        if not self.out_dir.exists():
            return []
        return sorted(p for p in self.out_dir.rglob("*") if p.is_file())


def hostile_run(
    *args: str,
    cwd: Path | None = None,
    out_dir: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Outcome:
    """Run `python -m auditor ARGS` in a real process with a planted secret in its environment.

    A real process (not CliRunner) so that signals, file descriptors, recursion
    limits and the interpreter's own last-resort handlers behave as for a user.
    """
    full_env = {**os.environ, PLANTED_VARIABLE: PLANTED_SECRET, "NO_COLOR": "1"}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr, out_dir or Path(cwd or "."))


def assert_clean_failure(outcome: Outcome, code: int = 2, *, allow_files: bool = False) -> None:
    """Exit `code` with a message, no traceback, no secret, and (unless allowed) no file."""
    assert outcome.code == code, (outcome.code, outcome.stderr[-2000:])
    assert "Traceback" not in outcome.output, outcome.output[-3000:]
    assert "internal error" not in outcome.output, outcome.output[-3000:]
    assert outcome.stderr.strip(), "a failure must say why on stderr"
    assert_no_secret(outcome)
    if not allow_files:
        left = outcome.files()
        assert not left, f"a failed run left files behind: {left}"


def assert_no_secret(outcome: Outcome, secret: str = PLANTED_SECRET) -> None:
    """The planted secret is in no stream and in no file the run wrote."""
    assert secret not in outcome.output
    for path in outcome.files():
        assert secret.encode() not in path.read_bytes(), f"secret leaked into {path}"
