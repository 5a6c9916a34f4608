"""The PostgreSQL adapter of the storage port: a server shared by several bot processes."""

from storage.postgres.database import PostgresDatabase

__all__ = ["PostgresDatabase"]
