"""The settings reference: every leaf setting of ``Settings`` with its default and meaning, as docs show it.

docs/configuration.md holds this module's table between two markers, and a test holds it to the model, so the
page cannot drift from it (a new key, a changed default or description): after changing a setting, run
``python -m monitor.config_reference docs/configuration.md`` to rewrite the page's table.
"""

from __future__ import annotations

import enum
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr

from monitor.config import Settings

#: The lines between which docs/configuration.md holds the table.
START = "<!-- settings:start -->"
END = "<!-- settings:end -->"

#: Defaults longer than this are given as YAML under the table rather than in a cell.
LONG_DEFAULT_CHARS = 90


@dataclass(frozen=True)
class SettingRow:
    """One leaf setting: its dotted name in config.yaml, its default as written there, and what it means."""

    name: str
    default: Any
    meaning: str


def setting_rows(model: type[BaseModel] = Settings, prefix: str = "") -> list[SettingRow]:
    """Every leaf setting of ``model``, nested sections flattened to dotted names, in the model's order."""
    rows: list[SettingRow] = []
    defaults = model()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        value = getattr(defaults, name)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(setting_rows(annotation, f"{prefix}{name}."))
        else:
            rows.append(SettingRow(f"{prefix}{name}", _plain(value), info.description or ""))
    return rows


def _plain(value: Any) -> Any:
    """A default as config.yaml would spell it (enums by value, models as mappings, secrets as unset)."""
    if isinstance(value, SecretStr):
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value.model_dump(mode="json").items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _anchor(name: str) -> str:
    return name.replace(".", "")


def markdown() -> str:
    """The table of every setting, then the long defaults as YAML, each under a heading of its name."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    long_rows: list[SettingRow] = []
    for row in setting_rows():
        cell = _cell(row.default)
        if len(cell) > LONG_DEFAULT_CHARS:
            long_rows.append(row)
            cell = f"[below](#{_anchor(row.name)})"
        lines.append(f"| `{row.name}` | {cell} | {row.meaning.replace('|', '/')} |")
    for row in long_rows:
        block = yaml.safe_dump(
            {row.name.rsplit(".", 1)[-1]: row.default}, sort_keys=False, allow_unicode=True
        )
        lines += ["", f"#### {row.name}", "", "```yaml", block.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def replace_between_markers(page: str, table: str) -> str:
    """``page`` with the text between its settings markers replaced by ``table``."""
    head, found, rest = page.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"the page has no {START} ... {END} markers")
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str]) -> int:
    """No argument: print the table. A path: rewrite that page's table between its markers."""
    if not argv:
        print(markdown(), end="")
        return 0
    page = Path(argv[0])
    page.write_text(replace_between_markers(page.read_text(encoding="utf-8"), markdown()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
