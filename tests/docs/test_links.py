"""Relative links in the README and docs/ lead to files that exist and, with a #fragment, to a heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, ROOT, Link, anchors, relative_links

PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _broken(link: Link, root: Path = ROOT) -> str | None:
    """Why ``link`` leads nowhere inside ``root``, or None when it resolves."""
    path, _, fragment = link.target.partition("#")
    target = (link.page.parent / path).resolve() if path else link.page
    if not target.is_relative_to(root) or not target.exists():
        return f"{link.target}: no such file"
    if fragment and target.suffix == ".md" and fragment not in anchors(target.read_text(encoding="utf-8")):
        return f"{link.target}: no heading #{fragment} in {target.relative_to(root)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_every_relative_link_resolves_to_a_file_and_heading(page: Path) -> None:
    broken = [f"line {link.line}: {why}" for link in relative_links(page) if (why := _broken(link))]
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)


def test_a_missing_heading_or_file_is_reported_and_links_in_code_are_not_read(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Real `one`: yes\n\n[ok](#real-one-yes) [bad](#nowhere) [gone](missing.md)\n"
        "`[inline](#x)`\n```\n[code](#y)\n```\n",
        encoding="utf-8",
    )
    found = relative_links(page)
    assert [link.target for link in found] == ["#real-one-yes", "#nowhere", "missing.md"]
    assert [_broken(link, root=tmp_path) for link in found] == [
        None,
        "#nowhere: no heading #nowhere in page.md",
        "missing.md: no such file",
    ]
