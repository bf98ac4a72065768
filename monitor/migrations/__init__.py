"""Alembic's environment and the schema's revisions, one per change (``monitor.schema`` runs them)."""
