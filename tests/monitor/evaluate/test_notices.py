"""The notice evaluation: the bundled corpus's figures hold, and the command reports and fails cleanly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import InputError
from monitor.evaluate.__main__ import main
from monitor.evaluate.notices import (
    Linker,
    acted_kind,
    corpus,
    evaluate,
    load_items,
    parse_items,
    registry_linker,
)
from monitor.evaluate.report import headline

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def link() -> Linker:
    return registry_linker(NOW)


def test_the_kind_acted_on_is_the_read_kind_unless_every_tied_site_weighs_it_otherwise() -> None:
    assert acted_kind("halt", []) == "halt"  # tied to no site: as read
    assert acted_kind("halt", ["part: Mpama South"]) == "partial_halt"
    assert acted_kind("halt", ["place: Walikale", "part: Bimha"]) == "partial_halt"
    assert acted_kind("halt", ["part: Bimha", "name: Kamoto"]) == "halt"  # one site halts
    assert acted_kind("resumption", ["part: Bimha"]) == "resumption"


def test_held_out_corpus_macro_f1_is_at_least_090(link: Linker) -> None:
    items = corpus("heldout")
    assert len(items) >= 100 and {i.lang for i in items} == {"en", "fr", "es", "pt"}
    report = evaluate("corpus heldout", items, link)
    assert report.macro_f1 >= 0.90


def test_wide_corpus_keeps_its_tuned_figures_and_has_no_site_labels(link: Linker) -> None:
    items = corpus("wide")
    assert len(items) >= 1000 and {i.lang for i in items} == {"en", "fr", "es", "pt"}
    assert all(i.sites is None for i in items)
    report = evaluate("corpus wide", items, link)
    assert report.macro_f1 >= 0.85  # tuned on: a floor against regressions, not a measure
    assert report.exact_links is None
    assert report.language_filled >= 0.90 and report.language_right >= 0.90


def test_a_set_with_no_site_labels_reports_links_as_not_measured(tmp_path: Path, link: Linker) -> None:
    rows = [{**ROWS[0], "sites": None}]
    report = evaluate("set", load_items(_write(tmp_path / "set.jsonl", rows)), link)
    assert report.exact_links is None
    assert "exact site links n/a (no site labels)" in headline(report)


@pytest.mark.parametrize("part", ["dev", "heldout"])
def test_language_is_filled_for_nine_notices_in_ten(part: str, link: Linker) -> None:
    report = evaluate(part, corpus(part), link)
    assert report.language_filled >= 0.90
    assert report.language_right >= 0.90


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


ROWS: list[dict[str, object]] = [
    {"id": "t-1", "lang": "en", "title": "Alphamin suspends operations at Bisie", "summary": "",
     "kind": "halt", "sites": ["bisie"], "hard": ""},
    {"id": "t-2", "lang": "fr", "title": "Alphamin dément tout arrêt de la production à Bisie", "lead": "",
     "kind": "none", "sites": ["bisie"], "hard": "denial"},
    {"id": "t-3", "lang": "en", "title": "Alphamin restarts Bisie", "summary": "",
     "kind": "halt", "sites": ["bisie"], "hard": ""},
]  # fmt: skip


def test_report_counts_kinds_languages_links_and_errors(tmp_path: Path, link: Linker) -> None:
    items = load_items(_write(tmp_path / "set.jsonl", ROWS))
    report = evaluate("set", items, link)
    assert [o.kind for o in report.outcomes] == ["halt", "none", "resumption"]
    assert [o.item.id for o in report.errors] == ["t-3"]
    assert report.by_hard_case() == {"denial": (1, 1)}
    assert report.exact_links == 1.0
    halt = next(s for s in report.kinds if s.label == "halt")
    assert (halt.precision, halt.recall) == (1.0, 0.5)


def test_command_prints_figures_and_errors_with_cues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "set.jsonl", ROWS)
    assert main(["notices", "--corpus", "none", "--real", str(path), "--errors"]) == 0
    out = capsys.readouterr().out
    assert "3 notices, macro F1" in out and "hard negatives raised to halt 0" in out
    assert "t-3 [en] gold halt, read resumption: Alphamin restarts Bisie" in out
    assert 'cue: title: "restarts" (en resumption' in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "line 1: not JSON"),
        (
            '{"id": "x", "lang": "en", "title": "t", "kind": "suspension"}\n',
            "kind 'suspension' is not one of",
        ),
        ('{"id": "x", "lang": "en", "kind": "halt"}\n', "missing or not text: title"),
        ("[1, 2]\n", "must be a JSON object"),
    ],
)
def test_bad_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    assert main(["notices", "--corpus", "none", "--real", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notices", "--corpus", "none", "--real", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_blank_lines_are_skipped() -> None:
    items = parse_items('\n{"id": "a", "lang": "en", "title": "t", "kind": "none"}\n\n', "x")
    assert [i.id for i in items] == ["a"]
    with pytest.raises(InputError, match="sites must be a list"):
        parse_items('{"id": "a", "lang": "en", "title": "t", "kind": "none", "sites": "bisie"}', "x")
