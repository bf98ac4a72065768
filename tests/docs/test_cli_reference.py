"""docs/cli.md is complete: every command of the program has its heading there, with every option under it."""

from __future__ import annotations

import enum
import re
import typing
from typing import Any

import pytest
import typer.main

from monitor.cli import app
from tests.docs.markdown import DOCS, sections

PAGE = DOCS / "cli.md"
GLOBAL = "Global options"


def _group() -> Any:
    """The program as click sees it (typer's own copy of click: read by its attributes, not its class)."""
    return typer.main.get_command(app)


def _documented() -> dict[str, str]:
    """Each command's section of the page, by command name (headings read ``minewatch NAME``)."""
    found: dict[str, str] = {}
    for title, text in sections(PAGE.read_text(encoding="utf-8"), level=2).items():
        match = re.fullmatch(r"`minewatch ([a-z-]+)`", title)
        if match:
            found[match.group(1)] = text
        elif title == GLOBAL:
            found[GLOBAL] = text
    return found


def _names(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def _option_names(command: Any) -> list[str]:
    return [
        name for param in command.params for name in [*param.opts, *param.secondary_opts] if name[0] == "-"
    ]


def _choices(name: str) -> list[str]:
    """The values of the command's enum-typed arguments and options (``import``'s kinds, ``--format``'s)."""
    callback = next(
        c.callback
        for c in app.registered_commands
        if c.callback and (c.name or c.callback.__name__.replace("_", "-")) == name
    )
    values: list[str] = []
    for hint in typing.get_type_hints(callback, include_extras=True).values():
        for kind in typing.get_args(hint) or (hint,):
            if isinstance(kind, type) and issubclass(kind, enum.Enum):
                values += [str(member.value) for member in kind]
    return values


@pytest.mark.parametrize("name", sorted(_group().commands))
def test_every_command_and_each_of_its_options_is_documented_under_its_heading(name: str) -> None:
    documented = _documented()
    assert name in documented, f"docs/cli.md has no heading ## `minewatch {name}`"
    command = _group().commands[name]
    missing = [option for option in _option_names(command) if not _names(documented[name], option)]
    assert not missing, f"docs/cli.md: `minewatch {name}` does not document {', '.join(missing)}"
    unnamed = [value for value in _choices(name) if f"{value}" not in documented[name]]
    assert not unnamed, f"docs/cli.md: `minewatch {name}` does not name the choices {', '.join(unnamed)}"


def test_every_global_option_is_documented() -> None:
    text = _documented().get(GLOBAL, "")
    missing = [option for option in [*_option_names(_group()), "--help"] if not _names(text, option)]
    assert not missing, f"docs/cli.md's {GLOBAL} do not document {', '.join(missing)}"


def test_the_page_documents_no_command_the_program_lacks() -> None:
    stale = set(_documented()) - set(_group().commands) - {GLOBAL}
    assert not stale, f"docs/cli.md documents commands that do not exist: {', '.join(sorted(stale))}"
