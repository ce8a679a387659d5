"""The output formats, registered once: which command writes or prints each, and the
function that renders it.

A renderer's module is imported only when its format is asked for, so `auditor check`
never loads WeasyPrint. `run` and `batch` write the file formats into the output folder;
`check` prints one console format on stdout.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.outputs.files import Writer, write_text


@dataclass(frozen=True)
class OutputFormat:
    name: str
    renderer: str  # "module:function", imported when the format is used
    written: bool  # a file `run` and `batch` write (`--format`)
    printed: bool  # a console format `check` prints (`--format`)
    binary: bool = False  # the renderer writes the file itself (its signature: result, path)

    def load(self) -> Callable[..., Any]:
        module, function = self.renderer.split(":")
        return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat(
        "pdf", "auditor.outputs.report.pdf:write_pdf", written=True, printed=False, binary=True
    ),
    OutputFormat("html", "auditor.outputs.report.html:render_html", written=True, printed=False),
    OutputFormat("json", "auditor.outputs.json_out:render_json", written=True, printed=True),
    OutputFormat("md", "auditor.outputs.markdown:render_markdown", written=True, printed=False),
    OutputFormat("text", "auditor.outputs.text:render_text", written=False, printed=True),
    OutputFormat("junit", "auditor.outputs.junit:render_junit", written=False, printed=True),
    OutputFormat("github", "auditor.outputs.github:render_github", written=False, printed=True),
)
"""`md` is two formats by command: the report's Markdown for `run`, the CI summary for
`check` (PRINTED_OVERRIDES)."""

PRINTED_OVERRIDES = {"md": "auditor.outputs.ci_markdown:render_ci_markdown"}

BY_NAME = {fmt.name: fmt for fmt in FORMATS}
RUN_FORMATS = tuple(fmt.name for fmt in FORMATS if fmt.written)
CHECK_FORMATS = ("text", "json", "junit", "md", "github")


def printed_renderer(name: str) -> Callable[..., str]:
    """The function `check --format NAME` prints the result with."""
    target = PRINTED_OVERRIDES.get(name) or BY_NAME[name].renderer
    return OutputFormat(name, target, written=False, printed=True).load()


def output_writers(result: dict[str, Any], out_dir: Path, formats: list[str]) -> dict[Path, Writer]:
    """Each output file `run` (and each client of a batch) writes for this result, with the
    function that writes it (the batch claims the paths before writing them)."""
    render_json = BY_NAME["json"].load()
    stem = f"{result['client_slug']}_{result['period']['label']}"
    outputs: dict[Path, Writer] = {}
    if result.get("snapshot"):  # always kept: the data this audit was computed from
        outputs[out_dir / f"{stem}.snapshot.json"] = write_text(render_json(result["snapshot"]))
    for name in formats:
        fmt = BY_NAME[name]
        target = out_dir / f"{stem}.{name}"
        if fmt.binary:
            outputs[target] = functools.partial(_binary_writer, fmt.load(), result)
        else:
            outputs[target] = write_text(fmt.load()(result))
    return outputs


def _binary_writer(write: Callable[..., None], result: dict[str, Any], path: Path) -> None:
    write(result, path)
