"""Outbound HTTP shared by the collectors (``feeds``) and the alert channels: one client and retry policy."""
