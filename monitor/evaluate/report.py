"""A notice evaluation as text: the headline figures, then per kind, per language, per hard case."""

from __future__ import annotations

from monitor.evaluate.notices import Report


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def headline(report: Report) -> str:
    """One line: macro F1, share right, hard negatives raised to halt, language, site links."""
    n = len(report.outcomes)
    right = n - len(report.errors)
    links = "n/a (no site labels)" if report.exact_links is None else _pct(report.exact_links)
    return (
        f"{report.name}: {n} notices, macro F1 {report.macro_f1:.2f}, "
        f"right {right}/{n} ({_pct(report.accuracy)}), "
        f"hard negatives raised to halt {len(report.raised_to_halt)}, language filled "
        f"{_pct(report.language_filled)} (right {_pct(report.language_right)}), exact site links {links}; "
        f"read from the text alone, before the sites weigh it: macro F1 {report.read_macro_f1:.2f}"
    )


def render(report: Report, errors: bool = False) -> str:
    """The whole report; with ``errors``, every misclassified notice with its cue."""
    lines = [
        headline(report),
        "",
        f"  {'kind':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'gold':>6}{'pred':>6}",
    ]
    for s in report.kinds:
        lines.append(
            f"  {s.label:<14}{s.precision:>10.2f}{s.recall:>8.2f}{s.f1:>7.2f}{s.gold:>6}{s.predicted:>6}"
        )
    lines += ["", f"  {'language':<14}{'notices':>10}{'right':>8}{'macro F1':>10}"]
    for lang, (n, share, f1) in report.by_language().items():
        lines.append(f"  {lang:<14}{n:>10}{_pct(share):>8}{f1:>10.2f}")
    hard = report.by_hard_case()
    if hard:
        lines += ["", f"  {'hard case':<14}{'notices':>10}{'right':>8}"]
        lines += [f"  {tag:<14}{n:>10}{right:>8}" for tag, (n, right) in hard.items()]
    for o in report.raised_to_halt:
        lines.append(f"  raised to halt: {o.item.id} (gold {o.item.kind}) {o.cue}")
    if errors and report.errors:
        lines += ["", "  misclassified:"]
        for o in report.errors:
            lines.append(f"  {o.item.id} [{o.item.lang}] gold {o.item.kind}, read {o.kind}: {o.item.title}")
            lines.append(f"      cue: {o.cue or '(none)'}")
    return "\n".join(lines)
