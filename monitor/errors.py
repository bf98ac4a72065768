"""The exception tree. Raised inside; turned into one line on stderr (exit 1) only at the CLI edge.

MinewatchError
 ├── ConfigError      a bad config file or environment value
 ├── StoreError       the database cannot be reached or is not initialised
 ├── FeedError        a collector could not fetch (network, HTTP status, auth)
 │    └── AuthError   credentials missing or refused
 ├── OutboundError    an outbound request refused by the HTTP policy or cut short (deadline, size)
 └── InputError       a user file cannot be read at all (wrong format, missing columns)
"""

from __future__ import annotations


class MinewatchError(Exception):
    """Base of every error minewatch reports to the user."""


class ConfigError(MinewatchError):
    """The configuration is invalid; the message names the key and why."""


class StoreError(MinewatchError):
    """The store is unreachable or its schema is missing."""


class FeedError(MinewatchError):
    """A collector failed to fetch from its source."""


class AuthError(FeedError):
    """A source refused our credentials, or none are configured."""


class OutboundError(MinewatchError):
    """An outbound HTTP request was refused (scheme, address, redirect) or cut short (deadline, size).

    Collectors report it as a FeedError and alert channels as a DeliveryError, each naming its peer."""


class InputError(MinewatchError):
    """A user-supplied file cannot be used as a whole."""
