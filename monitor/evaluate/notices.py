"""How well notices are read: kinds, languages and site links of a labelled set, against its gold labels.

A labelled set is JSON Lines, one notice an object: ``id``, ``lang``, ``title``, ``summary`` (or ``lead``),
``kind``, ``sites`` (registry ids the notice is about) and optionally ``hard`` (the hard case it is: denial,
conditional, past, drill, ...). The bundled corpus (``monitor/data/notices/``, our own writing) has a
development part the classifier is tuned on and a held-out part it is only measured on.

Every notice is classified as the pipeline would, from its text alone: its language is detected, not
taken from the gold label. The kind measured is the one minewatch acts on: the kind read from the text,
as each tied site weighs it (``monitor.domain.weighed_kind``: a halt tied only by a town, or by the name of
one part of a site, counts as a partial halt); the kind read from the text alone is kept beside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from monitor import matching, sites
from monitor.classify import classify, detect_language
from monitor.domain import NOTICE_KINDS, weighed_kind
from monitor.errors import InputError
from monitor.evaluate.metrics import LabelScore, accuracy, label_scores, macro_f1

#: The bundled corpus parts, by name: the development part the rules are tuned on, the held-out part only
#: measured, and the wide part (notices written for breadth, kinds only: no site labels; tuned on).
CORPUS_PARTS: dict[str, str] = {
    "dev": "corpus_dev.jsonl",
    "heldout": "corpus_heldout.jsonl",
    "wide": "corpus_wide.jsonl",
}
#: Gold kinds that must never come out as a halt (they would page someone about a mine that runs).
NOT_HALTS = frozenset({"none", "partial_halt", "export_halt"})

#: (title, summary) -> (registry id, matched_on) of each site the notice links to, strongest first.
Linker = Callable[[str, str], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Item:
    """One labelled notice."""

    id: str
    lang: str
    title: str
    summary: str
    kind: str
    sites: tuple[str, ...] | None  # None: the notice's sites are not labelled
    hard: str = ""


@dataclass(frozen=True)
class Outcome:
    """What minewatch made of one labelled notice."""

    item: Item
    kind: str  # the kind acted on: read from the text, weighed by the tied sites
    cue: str
    language: str | None
    sites: tuple[str, ...]
    read_kind: str = ""  # the kind read from the text alone

    @property
    def right(self) -> bool:
        return self.kind == self.item.kind


@dataclass(frozen=True)
class Report:
    """The figures of one labelled set."""

    name: str
    outcomes: list[Outcome]

    def _gold(self, outcomes: Sequence[Outcome] | None = None) -> list[str]:
        return [o.item.kind for o in (self.outcomes if outcomes is None else outcomes)]

    def _predicted(self, outcomes: Sequence[Outcome] | None = None) -> list[str]:
        return [o.kind for o in (self.outcomes if outcomes is None else outcomes)]

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the kinds present in the gold set."""
        return macro_f1(self._gold(), self._predicted())

    @property
    def accuracy(self) -> float:
        return accuracy(self._gold(), self._predicted())

    @property
    def read_macro_f1(self) -> float:
        """Macro F1 of the kinds read from the text alone, before the tied sites weigh them."""
        return macro_f1(self._gold(), [o.read_kind or o.kind for o in self.outcomes])

    @property
    def kinds(self) -> list[LabelScore]:
        """Precision, recall and F1 per kind, in the order of ``NOTICE_KINDS``."""
        scores = {s.label: s for s in label_scores(self._gold(), self._predicted())}
        return [scores[k] for k in [*NOTICE_KINDS, *sorted(set(scores) - set(NOTICE_KINDS))] if k in scores]

    def by_language(self) -> dict[str, tuple[int, float, float]]:
        """Per gold language: (notices, share right, macro F1)."""
        out = {}
        for lang in sorted({o.item.lang for o in self.outcomes}):
            mine = [o for o in self.outcomes if o.item.lang == lang]
            gold, predicted = self._gold(mine), self._predicted(mine)
            out[lang] = (len(mine), accuracy(gold, predicted), macro_f1(gold, predicted))
        return out

    def by_hard_case(self) -> dict[str, tuple[int, int]]:
        """Per hard-case tag: (notices, right)."""
        out: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            if o.item.hard:
                n, right = out.get(o.item.hard, (0, 0))
                out[o.item.hard] = (n + 1, right + o.right)
        return dict(sorted(out.items()))

    @property
    def raised_to_halt(self) -> list[Outcome]:
        """Hard negatives raised to a halt: a gold none, partial or export halt predicted ``halt``."""
        return [o for o in self.outcomes if o.item.kind in NOT_HALTS and o.kind == "halt"]

    @property
    def language_filled(self) -> float:
        """Share of notices whose language was detected at all."""
        return _share(o.language is not None for o in self.outcomes)

    @property
    def language_right(self) -> float:
        """Share of notices whose detected language is the gold one."""
        return _share(o.language == o.item.lang for o in self.outcomes)

    @property
    def exact_links(self) -> float | None:
        """Share of the notices with labelled sites linked to exactly those (no site missing, none extra);
        None when no notice of the set has its sites labelled."""
        labelled = [o for o in self.outcomes if o.item.sites is not None]
        return _share(set(o.sites) == set(o.item.sites or ()) for o in labelled) if labelled else None

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.right]


def _share(flags: Any) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def _item(raw: Any, where: str) -> Item:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a notice must be a JSON object")
    missing = [k for k in ("id", "lang", "title", "kind") if not isinstance(raw.get(k), str)]
    if missing:
        raise InputError(f"{where}: missing or not text: {', '.join(missing)}")
    if raw["kind"] not in NOTICE_KINDS:
        raise InputError(f"{where}: kind {raw['kind']!r} is not one of {', '.join(NOTICE_KINDS)}")
    sites = raw.get("sites", [])
    if sites is not None and (not isinstance(sites, list) or not all(isinstance(s, str) for s in sites)):
        raise InputError(f"{where}: sites must be a list of registry ids, or null where not labelled")
    summary = raw.get("summary")
    if summary is None:
        summary = raw.get("lead")
    return Item(
        id=raw["id"],
        lang=raw["lang"],
        title=raw["title"],
        summary=str(summary or ""),
        kind=raw["kind"],
        sites=None if sites is None else tuple(sites),
        hard=str(raw.get("hard") or ""),
    )


def parse_items(text: str, origin: str) -> list[Item]:
    """Labelled notices from JSON Lines text; a bad line raises InputError naming ``origin`` and the line."""
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{origin} line {number}: not JSON ({exc.msg})") from None
        items.append(_item(raw, f"{origin} line {number}"))
    return items


def load_items(path: Path) -> list[Item]:
    """Labelled notices of a JSON Lines file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    return parse_items(text, str(path))


def corpus(part: str) -> list[Item]:
    """A part of the bundled corpus ("dev" or "heldout")."""
    name = CORPUS_PARTS[part]
    text = resources.files("monitor").joinpath("data", "notices", name).read_text(encoding="utf-8")
    return parse_items(text, f"corpus {part}")


def evaluate(name: str, items: Sequence[Item], link: Linker) -> Report:
    """Classify, detect the language of, and link every item as the pipeline would."""
    outcomes = []
    for item in items:
        result = classify(item.title, item.summary)
        language = detect_language(f"{item.title}. {item.summary}")
        links = list(link(item.title, item.summary))
        acted = acted_kind(result.kind, [matched_on for _, matched_on in links])
        sites = tuple(site_id for site_id, _ in links)
        outcomes.append(Outcome(item, acted, result.cue, language, sites, result.kind))
    return Report(name, outcomes)


def acted_kind(kind: str, matched_on: Sequence[str]) -> str:
    """The kind minewatch acts on for a notice read as ``kind`` and tied as ``matched_on``: the kind itself
    when some tied site weighs it so (or none is tied), else how every tied site weighs it."""
    weighed = {weighed_kind(kind, m) for m in matched_on}
    if not weighed or kind in weighed:
        return kind
    return weighed.pop() if len(weighed) == 1 else kind


def registry_linker(now: datetime) -> Linker:
    """The pipeline's notice linker (``monitor.matching.SiteTextIndex``) over the bundled site registry."""
    frame = pd.DataFrame(sites.load_bundled(now).rows)
    index = matching.SiteTextIndex.build(frame)
    return index.match
