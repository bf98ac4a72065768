"""Exports: point-in-time panels (risk, supply, events, notices, alerts) as CSV or Parquet, and over HTTP.

- ``schemas``: every panel's columns, types and meaning, and its version (one definition for all writers).
- ``query``: the CLI's options or the API's parameters checked into a ``Query``.
- ``panels``: a query's rows as Arrow tables, a block at a time (``alert_rows``: the alerts panel's).
- ``encoding``: Arrow tables to CSV and Parquet bytes.
- ``files``: a panel's file (bytes, sidecar metadata, written atomically).
- ``api`` and ``openapi``: the same files under ``/api/v1``, and their OpenAPI document.
"""
