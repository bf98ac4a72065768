"""How a running minewatch shows its state: logs, health and Prometheus metrics, the same on every node.

``logs`` configures logging once per command (level, text or JSON lines); ``health`` says whether the feeds
are running well (the API's ``/api/v1/health`` and a scheduler node's ``/health``); ``metrics`` exposes the
store's state and request latency for Prometheus; ``node`` serves ``/metrics`` and ``/health`` on a node that
runs the scheduler without the dashboard.
"""
