"""Persistence: SQLAlchemy engine and ORM, migrations, embedded PostgreSQL, vector index, secrets."""
