"""Alerting: what changed -> rules -> ``decide`` -> outbox -> channels, one tick at a time.

It reads through ``monitor.reads`` and writes its own two tables (``alert``, ``delivery``) in the outbox; it
never imports ``monitor.exports`` (the alerts export panel is the exports' own).

- ``rules``: frames read from the store -> candidate alerts (pure).
- ``decide``: candidates + stored state -> what to store and send, keyed by fingerprint (pure).
- ``outbox``: alerts and per-channel deliveries stored before any send; sending claims, retries, records.
- ``channels``: e-mail, Slack and a signed webhook, each sending one message.
- ``tick``: reads the store, runs the above, reports; ``alert_tick`` is what the CLI and scheduler call.
"""
