"""The citation registry (issue 21): every public figure a shipped pack uses is one entry
with the source's own words and what the figure measures, every entry is cited, and every
precise figure a rule quotes is written in the words of a source it cites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from auditor.core.errors import InputError
from auditor.rules.loader import load_rules, shipped_packs
from auditor.rules.model import Citation, RuleSource
from auditor.rules.registry import citation_registry, registry_path

INTERNAL = re.compile(r"\b[\w-]+\.(md|py|yaml|csv)\b|\bdocs/|\btests/|shared/reference|\bB[1-7]\b")
PRECISE = re.compile(r"(?<![\d.,])(\d+[.,]\d{2,})\s?%")  # 17.92% / 17,92 %: a quoted figure


def loaded(name: str):  # type: ignore[no-untyped-def]
    return load_rules([name], Path.cwd())


def cited_keys() -> set[str]:
    keys: set[str] = set()
    for name in shipped_packs():
        for rule in loaded(name).rules:
            if isinstance(rule.source, RuleSource):
                keys.update(rule.source.cites)
    return keys


def test_every_registry_entry_is_cited_by_a_shipped_rule() -> None:
    assert set(citation_registry()) == cited_keys()


def test_shipped_packs_cite_the_registry_not_their_own_lists() -> None:
    for name in shipped_packs():
        raw = yaml.safe_load((registry_path().parent.parent / f"{name}.yaml").read_text())
        assert "citations" not in raw, name


@pytest.mark.parametrize("key", sorted(citation_registry()))
def test_each_entry_quotes_its_source_and_says_what_the_figure_measures(key: str) -> None:
    entry: Citation = citation_registry()[key]
    assert entry.quote, key
    assert entry.measures is not None, key
    assert entry.measures.en, key
    assert entry.measures.es, key
    assert entry.url or entry.read_at, f"{key}: nowhere to read the quoted words"
    for text in (entry.publisher, entry.title, entry.quote, entry.measures.en, entry.measures.es):
        assert not INTERNAL.search(text), (key, text)


def numbers(text: str) -> set[float]:
    return {float(n.replace(",", ".")) for n in PRECISE.findall(text)}


@pytest.mark.parametrize("name", shipped_packs())
def test_every_precise_figure_in_a_note_is_in_a_cited_quote(name: str) -> None:
    """A figure written to two decimals (17.92%) is a quotation: one of the rule's cited
    sources must carry it in its own words. Round figures are thresholds or summaries."""
    registry = citation_registry()
    for rule in loaded(name).rules:
        if not isinstance(rule.source, RuleSource):
            continue
        quoted = set().union(*(numbers(registry[k].quote or "") for k in rule.source.cites))
        for text in (rule.source.note.en, rule.source.note.es):
            missing = numbers(text) - quoted
            assert not missing, f"{rule.id}: {sorted(missing)} in no quote of {rule.source.cites}"


DECIMAL = re.compile(r"(?<![\d.,])(\d+)[.,](\d+)\s?%")  # 0.7% / 17,1 %: any figure with decimals


def metric_lines(name: str) -> dict[str, set[float]]:
    """Every threshold and curve point a pack sets on each metric, in percent: a note may
    restate the lines of its own metric (the click-rate trend names the click-rate band)."""
    lines: dict[str, set[float]] = {}
    for rule in loaded(name).rules:
        points: list[float] = []
        for band in (rule.thresholds.warn, rule.thresholds.fail) if rule.thresholds else ():
            if band is not None:
                points.extend(band.limit if isinstance(band.limit, tuple) else (band.limit,))
        if rule.score is not None:
            points.extend((rule.score.good, rule.score.median))
        lines.setdefault(rule.metric, set()).update(round(p * 100, 6) for p in points)
    return lines


def quoted_as(figure: tuple[str, str], quoted: set[float]) -> bool:
    """A note's figure is a quoted one, written to the same or fewer decimals (3.8 % for
    MailerLite's 3.82 %), never a figure the source does not give."""
    whole, decimals = figure
    value = float(f"{whole}.{decimals}")
    return any(round(q, len(decimals)) == value for q in quoted)


@pytest.mark.parametrize("name", shipped_packs())
def test_every_decimal_figure_in_a_note_is_quoted_or_a_line_of_the_pack(name: str) -> None:
    """The figure-by-figure check from outside, held by a test: any figure a note writes
    with decimals (0.7 %, 52.7 %) is either in the words of a source the rule cites, or a
    threshold the pack itself sets on the same metric. A figure from nowhere ("1.5 % to
    3 % for mid-market") fails here until it is quoted or called the project's own."""
    registry = citation_registry()
    lines = metric_lines(name)
    quotes = {
        k: {float(f"{w}.{d}") for w, d in DECIMAL.findall(c.quote or "")}
        for k, c in registry.items()
    }
    for rule in loaded(name).rules:
        if not isinstance(rule.source, RuleSource):
            continue
        quoted = set().union(*(quotes[k] for k in rule.source.cites))
        for text in (rule.source.note.en, rule.source.note.es):
            for figure in DECIMAL.findall(text):
                value = float(".".join(figure))
                assert quoted_as(figure, quoted) or value in lines[rule.metric], (
                    f"{rule.id}: {value}% is in no quote of {rule.source.cites} "
                    f"and is no line the pack sets on {rule.metric}"
                )


def test_the_figure_check_tells_a_rounded_quote_from_an_invented_figure() -> None:
    assert quoted_as(("3", "8"), {3.82})
    assert quoted_as(("14", "1"), {14.10})
    assert not quoted_as(("3", "9"), {3.82})
    assert not quoted_as(("3", "82"), {3.8})  # more decimals than the source gives
    assert DECIMAL.findall("del 0,7\u00a0% al 17,10 %") == [("0", "7"), ("17", "10")]


def test_every_shipped_quote_is_verbatim_and_a_summary_names_its_page() -> None:
    """The shipped registry quotes every source in its own words (Skok's article, the last
    one read in a summary, was found in a stored copy); a client's entry may be a third
    party's summary, but never without the page it was read on."""
    assert [k for k, c in citation_registry().items() if c.wording != "verbatim"] == []
    with pytest.raises(ValueError, match="wording: summary needs the quote and read_at"):
        Citation(publisher="P", title="T", quote="q", wording="summary")
    kept = Citation(publisher="P", title="T", quote="q", read_at="https://example.org/s")
    assert kept.wording == "verbatim"
    summary = Citation(
        publisher="P", title="T", quote="q", read_at="https://example.org/s", wording="summary"
    )
    assert summary.to_json()["wording"] == "summary"
    assert "wording" not in kept.to_json()


def test_a_rule_citing_an_unknown_key_names_the_registry(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "version: 1\nextends: [default]\nrules:\n"
        "  - id: bounce-rate\n    source:\n      cites: [campaign-monitor-2091]\n"
        "      note: {en: x, es: x}\n"
    )
    with pytest.raises(InputError) as raised:
        load_rules([str(pack)], tmp_path)
    message = str(raised.value)
    assert "no citation 'campaign-monitor-2091' in the citation registry" in message
    assert "(did you mean 'campaign-monitor-2019'?)" in message
    assert "mine.yaml:6:15" in message


def test_a_custom_pack_may_add_its_own_citation(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "version: 1\nextends: [default]\n"
        "citations:\n  our-study: {publisher: Us, title: Our study, year: 2026}\n"
        "rules:\n  - id: bounce-rate\n    source:\n      cites: [our-study]\n"
        "      note: {en: Our own measurement., es: Nuestra propia medición.}\n"
    )
    rule_set = load_rules([str(pack)], tmp_path)
    assert rule_set.citations["our-study"].publisher == "Us"
    assert "campaign-monitor-2019" in rule_set.citations  # the registry stays available


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("wording: summary", "mine.yaml:5:5: citations.someone: wording: summary needs the quote"),
        ("year: 3000", "mine.yaml:6:11: citations.someone.year: input should be less than or"),
    ],
)
def test_a_bad_citation_of_an_extending_pack_is_its_only_error(
    tmp_path: Path, entry: str, error: str
) -> None:
    """A broken citation is reported once, at its line: the pack's rule overrides are not
    taken for incomplete new rules, nor its citations for unknown ones."""
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "version: 1\nextends: [default]\ncitations:\n  someone:\n    publisher: P\n"
        f"    {entry}\n    title: T\n    quote: Q\n"
        "rules:\n  - id: bounce-rate\n    source:\n      cites: [someone]\n"
        "      note: {en: x, es: x}\n"
    )
    with pytest.raises(InputError) as raised:
        load_rules([str(pack)], tmp_path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 1, lines
    assert error in lines[0]
