"""Writing several output files so that a failed run leaves none of them behind.

Each output is produced into a temporary file in its target folder; only when
all of them succeeded are they renamed into place (a rename within one folder
is atomic on POSIX and Windows).

A file-system failure while doing so (a folder that cannot be created or
written, a path under a regular file, a target that is a folder or a device, a
full disk) is the user's to fix, not a bug: it becomes `OutputError` (exit 2),
"cannot write <path>: <reason>", and the temporary files are removed.  So is an
interruption (Ctrl-C, or SIGTERM, which the CLI turns into an exception).  A
process that is stopped without unwinding (a batch worker on SIGTERM) calls
`remove_pending` first: the temporaries of writes in progress are registered.

A target that exists and is not a regular file is refused before anything is
written: renaming onto `/dev/null` or `/dev/stdout` would replace the device
node itself when run as root.

So is a target that is one of the run's own inputs (`protected`: the config, the
data and leads files, a rule pack, the logo, the snapshot replayed, the history
store), or that two outputs share: a typo in `-o`/`--output` must never replace
the file the audit was computed from.  Symbolic and hard links are seen through.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from auditor.core.errors import InputError

Writer = Callable[[Path], None]


class OutputError(InputError):
    """An output file could not be written: the path and the system's reason (exit 2)."""


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
# Temporary files of the writes in progress in this process (see `remove_pending`).
_PENDING: set[Path] = set()


def write_text(text: str) -> Writer:
    """A writer for a ready string (UTF-8, newline at the end)."""

    def write(path: Path) -> None:
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

    return write


def remove_pending() -> None:
    """Remove this process's temporaries now, for a process about to exit without
    running its `finally` blocks (a batch worker told to stop)."""
    for temp in list(_PENDING):
        with contextlib.suppress(OSError):
            temp.unlink()
        _PENDING.discard(temp)


def new_temporary(target: Path) -> Path:
    """An empty hidden temporary next to `target`, registered until `discard_temporary`."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    _PENDING.add(Path(name))
    return Path(name)


def discard_temporary(temp: Path) -> None:
    """Remove `temp` if it is still there (it was not renamed into place)."""
    with contextlib.suppress(OSError):
        temp.unlink()
    _PENDING.discard(temp)


def _check_target(target: Path) -> None:
    """Refuse a folder or a special file as a target before any temporary file exists."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return  # not there yet (or not reachable: creating it will say why)
    if stat.S_ISDIR(mode):
        raise OutputError(f"cannot write {target}: it is a folder; give a file name")
    if not stat.S_ISREG(mode):
        raise OutputError(
            f"cannot write {target}: it is not a regular file (a device, pipe or socket); "
            "give a file name, or leave the format without --output to print it"
        )


def same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` name one file: equal once symlinks are resolved, or (both
    existing) the same inode, which catches hard links and case-insensitive names."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def refuse_overlaps(targets: Iterable[Path], protected: Mapping[Path, str] | None = None) -> None:
    """OutputError, before anything is written, when an output would replace one of the
    run's inputs (`protected`: path -> what it is) or another output of the same run."""
    seen: list[Path] = []
    for target in targets:
        for path, what in (protected or {}).items():
            if same_file(target, path):
                raise OutputError(
                    f"refusing to write {target}: it is {what} of this run ({path}); "
                    "choose another output path"
                )
        for earlier in seen:
            if same_file(target, earlier):
                raise OutputError(
                    f"refusing to write {target}: another output of this run is written to "
                    f"the same file ({earlier}); give each output its own path"
                )
        seen.append(target)


def _make_folder(target: Path) -> None:
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder
        )
        raise OutputError(f"cannot write {target}: {blocker} is a file, not a folder") from None


def _reason(exc: OSError, target: Path) -> str:
    """The system's reason, and the path it names when that is not the target itself or
    our temporary file next to it (whose hidden name would only puzzle)."""
    reason = exc.strerror or str(exc) or exc.__class__.__name__
    shown = []
    for name in (exc.filename, exc.filename2):
        if name is None:
            continue
        path = Path(os.fsdecode(name))
        ours = path.name.startswith(f".{target.name}.") and path.name.endswith(".tmp")
        if path != target and not ours:
            shown.append(str(path))
    return f"{reason} ({', '.join(shown)})" if shown else reason


def write_all(
    outputs: Mapping[Path, Writer], protected: Mapping[Path, str] | None = None
) -> list[Path]:
    """Produce every output or none; return the final paths in order.

    Raises `OutputError` for a file-system failure, naming the output concerned, and
    before writing anything for a target that is an input in `protected` or that two
    outputs share (`refuse_overlaps`).
    """
    refuse_overlaps(outputs, protected)
    for target in outputs:
        _check_target(target)
    temps: dict[Path, Path] = {}
    current: Path | None = None
    try:
        for target, writer in outputs.items():
            current = target
            _make_folder(target)
            temps[target] = new_temporary(target)
            writer(temps[target])
            # mkstemp (and writers that replace the file) leave 0600; outputs are ordinary files
            os.chmod(temps[target], 0o666 & ~_UMASK)
        for target, temp in temps.items():
            current = target
            os.replace(temp, target)
        return list(outputs)
    except OSError as exc:
        where = current if current is not None else Path(".")
        raise OutputError(f"cannot write {where}: {_reason(exc, where)}") from exc
    finally:
        for temp in temps.values():
            discard_temporary(temp)
