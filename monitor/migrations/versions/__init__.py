"""The schema's revisions, oldest first: ``0001`` is minewatch 0.1 (docs/operations.md, "Changing the
schema")."""
