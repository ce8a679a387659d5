"""The audit report as PDF: the HTML report through WeasyPrint, safely and atomically.

WeasyPrint is imported inside the functions (about 1 s and 50 MB), so the CLI
and every non-PDF path start without it.  Rendering uses a restricted URL
fetcher: `data:` URIs, files inside the shipped templates folder, and the one
configured logo file; anything else aborts the render, so data from a client's
platform can never make the renderer read a file or call a URL (DESIGN.md
section 10).  The file appears at its target only once the render succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from auditor.core.errors import EXIT_BAD_INPUT, AuditorError
from auditor.core.resources import templates_dir
from auditor.core.strings import resolve_language
from auditor.outputs.report.html import render_html
from auditor.outputs.report.settings import logo_path

SYSTEM_LIBRARIES = "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
MAX_ASSET_BYTES = 20_000_000  # a file: URL to /dev/zero or a huge file must not eat the RAM
MIME_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


class RendererUnavailable(AuditorError):
    """WeasyPrint or the system libraries it loads are missing: the user must install them."""

    exit_code = EXIT_BAD_INPUT


class RenderError(AuditorError):
    """The render asked for a resource it may not load (a template bug); nothing was written."""

    exit_code = EXIT_BAD_INPUT


@dataclass
class RenderLog:
    """What one render fetched, refused and logged: evidence for tests and debugging."""

    fetched: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedPdf:
    """A finished PDF in memory, with its page count and the render's log."""

    data: bytes
    pages: int
    log: RenderLog


def _weasyprint() -> ModuleType:
    """Import WeasyPrint now; missing system libraries become an actionable error."""
    try:
        return import_module("weasyprint")
    except OSError as exc:
        raise RendererUnavailable(
            "cannot write the PDF: WeasyPrint could not load the Pango/HarfBuzz system "
            f"libraries ({exc}). Install them with: {SYSTEM_LIBRARIES} (Debian/Ubuntu)"
        ) from exc
    except ImportError as exc:
        raise RendererUnavailable(
            f"cannot write the PDF: WeasyPrint is not installed ({exc}). "
            "Install it with: pip install 'weasyprint>=68,<71'"
        ) from exc


@cache
def _fetcher_class() -> type:
    """The restricted fetcher, defined on first use because its base class is WeasyPrint's."""
    urls = import_module("weasyprint.urls")

    class RestrictedFetcher(urls.URLFetcher):  # type: ignore[name-defined,misc]
        """Serve `data:` URIs, files under `root` and the listed files; abort on anything else."""

        def __init__(self, root: Path, files: frozenset[Path], log: RenderLog) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)
            self.root = root.resolve()
            self.files = files
            self.log = log

        def _allowed(self, url: str) -> Path | None:
            parts = urlsplit(url)
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            # resolve() collapses ../ and follows symlinks, so neither can escape the root.
            path = Path(url2pathname(parts.path)).resolve()
            if not (path.is_relative_to(self.root) or path in self.files):
                return None
            if not path.is_file() or path.stat().st_size > MAX_ASSET_BYTES:
                return None
            return path

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if urlsplit(url).scheme.lower() == "data":
                self.log.fetched.append("data:")
                return super().fetch(url, headers)
            path = self._allowed(url)
            if path is None:
                self.log.refused.append(url[:200])
                raise urls.FatalURLFetchingError(f"blocked resource: {url[:100]}")
            self.log.fetched.append(str(path))
            content_type = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
            return urls.URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    return RestrictedFetcher


def make_fetcher(result: Mapping[str, Any], log: RenderLog) -> Any:
    """The fetcher for one result: the templates folder plus that result's logo, if any."""
    logo = logo_path(result)
    files = frozenset({logo}) if logo else frozenset()
    return _fetcher_class()(templates_dir(), files, log)


class _Collector(logging.Handler):
    """Keeps the `weasyprint` logger's warnings and errors of one render."""

    def __init__(self, log: RenderLog) -> None:
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        target = self.log.errors if record.levelno >= logging.ERROR else self.log.warnings
        target.append(record.getMessage())


@contextlib.contextmanager
def _collect_logs(log: RenderLog) -> Iterator[None]:
    logger = logging.getLogger("weasyprint")
    handler = _Collector(log)
    old_level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def render_pdf(result: Mapping[str, Any], *, language: str | None = None) -> RenderedPdf:
    """Render the report to PDF bytes in memory, with the render's fetch and log record."""
    chosen = resolve_language(result, language)
    html = render_html(result, language=chosen, standalone=False)
    weasyprint = _weasyprint()
    log = RenderLog()
    fetcher = make_fetcher(result, log)
    base_url = templates_dir().resolve().as_uri() + "/"
    with _collect_logs(log):
        try:
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
            data = document.write_pdf()
        except weasyprint.urls.FatalURLFetchingError as exc:
            raise RenderError(
                f"the report tried to load a resource outside its templates and logo ({exc}); "
                "no PDF was written"
            ) from exc
    return RenderedPdf(data, len(document.pages), log)


def write_pdf(result: Mapping[str, Any], target: Path, *, language: str | None = None) -> None:
    """Render the report and put it at `target` atomically: a failed render leaves nothing."""
    from auditor.outputs.files import discard_temporary, new_temporary

    rendered = render_pdf(result, language=language)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = new_temporary(target)
    try:
        with temp.open("wb") as out:
            out.write(rendered.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        discard_temporary(temp)
