"""Writing several output files so that a failed run leaves none of them behind.

Each output is produced into a temporary file in its target folder; only when
all of them succeeded are they renamed into place (a rename within one folder
is atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

Writer = Callable[[Path], None]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def write_text(text: str) -> Writer:
    """A writer for a ready string (UTF-8, newline at the end)."""

    def write(path: Path) -> None:
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

    return write


def write_all(outputs: Mapping[Path, Writer]) -> list[Path]:
    """Produce every output or none; return the final paths in order."""
    temps: dict[Path, Path] = {}
    try:
        for target, writer in outputs.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            os.close(handle)
            temps[target] = Path(name)
            writer(temps[target])
            # mkstemp (and writers that replace the file) leave 0600; outputs are ordinary files
            os.chmod(temps[target], 0o666 & ~_UMASK)
        for target, temp in temps.items():
            os.replace(temp, target)
        return list(outputs)
    finally:
        for temp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
