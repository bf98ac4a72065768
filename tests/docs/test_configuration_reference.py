"""docs/configuration.md is complete: its settings table is the model's, and every variable is listed."""

from __future__ import annotations

import pytest

from monitor import config_reference
from monitor.config import Settings
from monitor.environment import PLAIN, SECRETS
from tests.docs.markdown import DOCS, sections

PAGE = DOCS / "configuration.md"
REWRITE = "run: python -m monitor.config_reference docs/configuration.md"


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def test_the_settings_table_is_the_one_the_model_gives() -> None:
    page = _page()
    assert config_reference.replace_between_markers(page, config_reference.markdown()) == page, REWRITE


def test_every_setting_including_nested_ones_has_a_row_with_its_meaning() -> None:
    rows = config_reference.setting_rows()
    names = [row.name for row in rows]
    assert "scoring.fusion.radius_km" in names and "alerts.rules.front_line.min_advance_km" in names
    assert len(names) == len(set(names))
    page = _page()
    for row in rows:
        assert row.meaning, f"{row.name} has no description in monitor/config.py"
        assert f"| `{row.name}` |" in page, f"{row.name} is not in docs/configuration.md: {REWRITE}"


def test_a_long_default_is_given_in_full_under_its_own_heading() -> None:
    text = sections(_page(), level=4)["scoring.type_weights"]
    assert "battles: 1.0" in text
    assert Settings().scoring.type_weights["battles"] == 1.0


@pytest.mark.parametrize("name", sorted({*SECRETS, *PLAIN}))
def test_every_environment_variable_minewatch_reads_is_listed(name: str) -> None:
    assert f"`{name}`" in sections(_page(), level=2)["Environment variables"]


def test_the_rewrite_replaces_only_what_is_between_the_markers() -> None:
    page = f"intro\n{config_reference.START}\nold table\n{config_reference.END}\noutro\n"
    rewritten = config_reference.replace_between_markers(page, "| new |\n")
    assert rewritten == f"intro\n{config_reference.START}\n| new |\n{config_reference.END}\noutro\n"
    with pytest.raises(ValueError, match="markers"):
        config_reference.replace_between_markers("no markers here", "| new |\n")
