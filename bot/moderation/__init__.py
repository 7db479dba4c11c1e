"""Moderator actions: value types, parsing what moderators type, and `AdminService` (checked,
audited, undoable changes to one server's content and settings, import and export)."""
