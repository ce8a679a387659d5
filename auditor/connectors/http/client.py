"""`HttpClient`: a `Transport` with the pagination helpers (offset/count, cursor, next
URL or token), each stopping on an empty, repeated or endless page."""

from __future__ import annotations

import json as _json
from collections.abc import Iterator, Mapping
from itertools import count
from typing import Any

from auditor.connectors.http.parsing import _MISSING, _as_count, _fingerprint, dig
from auditor.connectors.http.policy import Extractor
from auditor.connectors.http.transport import Transport
from auditor.core.errors import (
    SourcePaginationError,
    SourceResponseError,
)


class HttpClient(Transport):
    """One session to one platform: retries, pacing, pagination, errors, redaction."""

    # --- pagination ---

    def _cap(self, max_pages: int | None) -> int:
        return max_pages if max_pages is not None else self.policy.max_pages

    def _rows(self, page: Any, items: Extractor, shown: str) -> list[Any]:
        found = dig(page, items, _MISSING)
        if found is None:
            return []
        if isinstance(found, list):
            return found
        if isinstance(found, Mapping) and not callable(items):
            return list(found.values())  # id-keyed collections (Mautic)
        what = items if isinstance(items, str) else "the page's items"
        raise SourceResponseError(
            f"{self.policy.platform}: {shown} answered a page without a list at '{what}': "
            f"{self._excerpt(_json.dumps(page, default=str))!r}",
            platform=self.policy.platform,
        )

    def _too_many(self, shown: str, cap: int) -> SourcePaginationError:
        return SourcePaginationError(
            f"{self.policy.platform}: {shown} has more than {cap} pages; stopped rather than "
            "audit part of the data (narrow the date window or raise max_pages)",
            platform=self.policy.platform,
        )

    def _repeated(self, shown: str, what: str) -> SourcePaginationError:
        return SourcePaginationError(
            f"{self.policy.platform}: {shown} paging loops: {self.redact(what)}; stopped "
            "(a connector or platform bug)",
            platform=self.policy.platform,
        )

    def paginate_offset(
        self,
        path: str,
        *,
        items: Extractor,
        params: Mapping[str, Any] | None = None,
        offset_param: str = "offset",
        limit_param: str = "count",
        page_size: int = 100,
        start: int = 0,
        total: Extractor | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Any]:
        """Items of every page of an offset/count list (Mailchimp, ActiveCampaign).

        Stops on an empty page, when `total` (a path to the platform's count) is
        reached, or, when the page has no readable total, on a short page (so keep
        `page_size` within the platform's maximum).  A page identical to the one
        before (a server ignoring `offset_param`) raises SourcePaginationError.
        """
        shown = self._shown("GET", self.url(path))
        offset, previous, cap = start, None, self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            query = {**(params or {}), offset_param: offset, limit_param: page_size}
            page = self.get_json(path, params=query, bucket=bucket)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            if not rows:
                return
            fingerprint = _fingerprint(rows)
            if fingerprint == previous:
                raise self._repeated(
                    shown, f"the page at {offset_param}={offset} repeats the one before"
                )
            previous = fingerprint
            yield from rows
            offset += len(rows)
            known = _as_count(dig(page, total)) if total is not None else None
            if known is not None:
                if offset >= known:
                    return
            elif len(rows) < page_size:
                return

    def paginate_cursor(
        self,
        path: str,
        *,
        items: Extractor,
        next_cursor: Extractor = "paging.next.after",
        cursor_param: str = "after",
        params: Mapping[str, Any] | None = None,
        method: str = "GET",
        json: Mapping[str, Any] | None = None,
        start: str | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
        stop_on_empty: bool = True,
    ) -> Iterator[Any]:
        """Items of every page of a cursor list (HubSpot `paging.next.after`).

        With method='POST' the cursor goes into the JSON body (HubSpot search),
        otherwise into the query.  Stops when the page has no next cursor, or on
        an empty page unless `stop_on_empty=False`; a cursor seen before raises.
        """
        shown = self._shown(method, self.url(path))
        cursor, seen, cap = start, {start}, self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            extra = {} if cursor is None else {cursor_param: cursor}
            if method.upper() == "GET":
                page = self.get_json(path, params={**(params or {}), **extra}, bucket=bucket)
            else:
                body = {**(json or {}), **extra}
                response = self.request(method, path, params=params, json=body, bucket=bucket)
                page = self.parse_json(response)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            yield from rows
            following = dig(page, next_cursor)
            if following in (None, "") or (stop_on_empty and not rows):
                return
            if following in seen:
                raise self._repeated(shown, f"cursor {str(following)[:40]!r} came back")
            seen.add(following)
            cursor = following

    def paginate_next(
        self,
        path: str,
        *,
        items: Extractor,
        next_page: Extractor = "links.next",
        token_param: str | None = None,
        has_more: Extractor | None = None,
        params: Mapping[str, Any] | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
        stop_on_empty: bool = True,
    ) -> Iterator[Any]:
        """Items of every page of a next-URL list (Klaviyo `links.next`, Pardot
        `nextPageUrl`) or, with `token_param`, a next-token list (Marketo
        `nextPageToken`, sent back with the same `params`).

        Stops when there is no next URL/token, when `has_more` is false, or on an
        empty page unless `stop_on_empty=False`; a URL or token seen before raises.
        """
        shown = self._shown("GET", self.url(path))
        target, query = path, dict(params or {})
        seen: set[str] = {self.url(path)}
        cap = self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            page = self.get_json(target, params=query or None, bucket=bucket)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            yield from rows
            following = dig(page, next_page)
            if following in (None, "") or (stop_on_empty and not rows):
                return
            if has_more is not None and not dig(page, has_more):
                return
            if token_param is None:
                key = self.url(str(following))
                target, query = key, {}
            else:
                key = str(following)
                query = {**(params or {}), token_param: following}
            if key in seen:
                what = "next URL" if token_param is None else "next token"
                raise self._repeated(shown, f"{what} {key[:80]!r} came back")
            seen.add(key)
