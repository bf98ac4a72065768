"""The environment minewatch reads, resolved once at the edge: each secret as ``NAME`` or as ``NAME_FILE``.

``NAME_FILE`` holds the path of a file whose content is the secret (Docker and Compose secrets under
``/run/secrets``, systemd credentials, Kubernetes secret volumes), so the value never sits in the process
environment or in a compose file. ``resolve_environment`` is the one place that does it; the CLI and the WSGI
factory call it with ``os.environ`` and pass the result on. Errors name the variable and the path, never
the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from monitor.errors import ConfigError

__all__ = ["FILE_SUFFIX", "PLAIN", "SECRETS", "resolve_environment", "secret_values"]

FILE_SUFFIX = "_FILE"

#: Variables that hold a secret (credentials, tokens, URLs that carry a password or a token); each may be
#: given as NAME_FILE instead.
SECRETS: tuple[str, ...] = (
    "MINEWATCH_ACLED_PASSWORD",
    "MINEWATCH_ACLED_USERNAME",
    "MINEWATCH_API_TOKENS",
    "MINEWATCH_DASH_PASSWORD",
    "MINEWATCH_DASH_USER",
    "MINEWATCH_DATABASE_URL",
    "MINEWATCH_SLACK_WEBHOOK_URL",
    "MINEWATCH_SMTP_URL",
    "MINEWATCH_UCDP_TOKEN",
    "MINEWATCH_WEBHOOK_SECRET",
    "MINEWATCH_WEBHOOK_URL",
)

#: The other variables minewatch reads: a path, public endpoints, addresses. Plain values only.
PLAIN: tuple[str, ...] = (
    "MINEWATCH_ACLED_BASE_URL",
    "MINEWATCH_ALERT_EMAIL_FROM",
    "MINEWATCH_ALERT_EMAIL_TO",
    "MINEWATCH_BASE_URL",
    "MINEWATCH_CONFIG",
    "MINEWATCH_DEBUG",
    "MINEWATCH_GDELT_LASTUPDATE_URL",
    "MINEWATCH_STATUS_HOST",
    "MINEWATCH_UCDP_BASE_URL",
)


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def resolve_environment(
    env: Mapping[str, str], read_file: Callable[[Path], str] = _read_text
) -> dict[str, str]:
    """A copy of ``env`` in which every secret given as NAME_FILE is read into NAME.

    The file's trailing line break is dropped (``echo secret > file`` writes one). Raises ConfigError when
    both NAME and NAME_FILE are set, when the file cannot be read or is empty, and when a ``MINEWATCH_*_FILE``
    variable names no secret (a misspelt name would otherwise leave the secret silently unset).
    """
    resolved = dict(env)
    for name, value in env.items():
        if not (name.startswith("MINEWATCH_") and name.endswith(FILE_SUFFIX)):
            continue
        secret = name.removesuffix(FILE_SUFFIX)
        if secret not in SECRETS:
            raise ConfigError(f"{name}: {secret} is not a secret minewatch reads (see docs/operations.md)")
        if env.get(secret):
            raise ConfigError(f"{secret} and {name} are both set: keep one")
        path = Path(value)
        try:
            text = read_file(path).rstrip("\r\n")
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{name}: {path} is not UTF-8 text") from None
        if not text:
            raise ConfigError(f"{name}: {path} is empty")
        resolved[secret] = text
        del resolved[name]
    return resolved


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Every secret value in a resolved ``env``, for ``monitor.redact.remember``: each secret whole, each
    item of a comma-separated list (API tokens), and the parts of a URL that are secret on their own (the
    password, and the path of a webhook URL, which is its key)."""
    values: list[str] = []
    for name in SECRETS:
        value = (env.get(name) or "").strip()
        if not value:
            continue
        values.append(value)
        values += [v.strip() for v in value.split(",") if v.strip()]
        parts = urlsplit(value)
        if parts.scheme and parts.netloc:
            if parts.password:
                values += [parts.password, unquote(parts.password)]
            if name.endswith("WEBHOOK_URL") and parts.path.strip("/"):
                values.append(parts.path)
    return values
