"""DATABASE_URL: which backend it names, and how to show it without its password."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from storage.port import Dialect

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")
SHAPES = "sqlite:///relative/path, sqlite:////absolute/path or postgresql://user:password@host/db"


def dialect_of(url: str) -> Dialect:
    """The backend a URL names; a ValueError that never repeats the URL (it may hold a
    password) for anything else."""
    if url.startswith(SQLITE_PREFIX):
        if not url[len(SQLITE_PREFIX) :]:
            raise ValueError("names no SQLite file: use " + SHAPES)
        return Dialect.SQLITE
    scheme, sep, _ = url.partition("://")
    if sep and scheme.lower() in POSTGRES_SCHEMES:
        return Dialect.POSTGRESQL
    raise ValueError("must be " + SHAPES)


def sqlite_path(url: str) -> Path:
    """`sqlite:///relative/path` or `sqlite:////absolute/path` to a filesystem path."""
    if dialect_of(url) is not Dialect.SQLITE:
        raise ValueError("not an SQLite URL")
    return Path(url[len(SQLITE_PREFIX) :])


def redacted(url: str) -> str:
    """The URL with any password replaced by ***: safe to log or print."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<an unreadable database URL>"
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def password_of(url: str) -> str | None:
    """The password in a URL, if any (for the log filter that blanks secrets out)."""
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def same_database(a: str, b: str) -> bool:
    """Do two URLs name one database? (The same file, or the same server, database and
    search_path.)"""
    kind = dialect_of(a)
    if kind is not dialect_of(b):
        return False
    if kind is Dialect.SQLITE:
        return sqlite_path(a).resolve() == sqlite_path(b).resolve()

    def where(url: str) -> tuple[object, ...]:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        return (
            (parts.hostname or "").lower(),
            parts.port or 5432,
            parts.path.strip("/"),
            query.get("search_path", "public"),
        )

    return where(a) == where(b)
