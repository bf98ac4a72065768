"""Finding one's way: docs/README.md lists every page, and a long page opens with the list of its sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, ROOT, prose_lines, relative_links, slug

#: A page longer than this many lines lists its sections before the first one.
LONG_PAGE_LINES = 150

LONG_PAGES = [
    page
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    if len(page.read_text(encoding="utf-8").splitlines()) > LONG_PAGE_LINES
]


def test_the_docs_index_lists_every_page_in_docs() -> None:
    listed = {link.target.partition("#")[0] for link in relative_links(DOCS / "README.md")}
    pages = {page.name for page in DOCS.glob("*.md")} - {"README.md"}
    assert pages - listed == set(), f"docs/README.md does not list {sorted(pages - listed)}"


def _sections_listed_up_front(page: Path) -> tuple[list[str], set[str]]:
    """The page's second-level headings' anchors, and the anchors its links point to before the first one."""
    lines = prose_lines(page.read_text(encoding="utf-8"))
    headings = [slug(line[3:]) for _, line in lines if line.startswith("## ")]
    first = next((number for number, line in lines if line.startswith("## ")), 0)
    up_front = {
        link.target[1:] for link in relative_links(page) if link.line < first and link.target[0] == "#"
    }
    return headings, up_front


@pytest.mark.parametrize("page", LONG_PAGES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_a_long_page_lists_each_of_its_sections_before_the_first(page: Path) -> None:
    headings, up_front = _sections_listed_up_front(page)
    missing = [anchor for anchor in headings if anchor not in up_front]
    assert not missing, f"{page.relative_to(ROOT)} does not list its sections {missing} at the top"
