"""``python -m monitor.evaluate notices [--corpus dev|heldout|wide|both|all] [--real PATH ...] [--errors]``.

``both`` is the development and held-out parts; ``all`` adds the wide part."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.errors import MinewatchError
from monitor.evaluate.notices import CORPUS_PARTS, corpus, evaluate, load_items, registry_linker
from monitor.evaluate.report import render


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m monitor.evaluate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    notices = commands.add_parser(
        "notices", help="precision, recall and F1 of notice kinds, languages and site links"
    )
    notices.add_argument(
        "--corpus", choices=[*CORPUS_PARTS, "both", "all", "none"], default="both",
        help="which part of the bundled corpus to measure (default both: dev and heldout; all adds wide)",
    )  # fmt: skip
    notices.add_argument(
        "--real", type=Path, action="append", default=[], metavar="PATH",
        help="also measure a labelled JSON Lines file (repeatable)",
    )  # fmt: skip
    notices.add_argument("--errors", action="store_true", help="list misclassified notices with their cue")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation; a bad input file is one line on stderr and exit status 2."""
    args = _parser().parse_args(argv)
    named = {"both": ["dev", "heldout"], "all": list(CORPUS_PARTS), "none": []}
    parts = named.get(args.corpus, [args.corpus])
    try:
        sets = [(f"corpus {part}", corpus(part)) for part in parts]
        sets += [(str(path), load_items(path)) for path in args.real]
        link = registry_linker(datetime.now(UTC))
        reports = [render(evaluate(name, items, link), errors=args.errors) for name, items in sets]
    except MinewatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n\n".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
