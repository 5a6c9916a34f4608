"""The SQLite adapter of the storage port: one file, one connection, writers queued."""

from storage.sqlite.database import SqliteDatabase

__all__ = ["SqliteDatabase"]
