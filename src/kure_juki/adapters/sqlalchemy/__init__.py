"""The SQLAlchemy storage adapter: SQLite (embedded default) and PostgreSQL."""
