"""SQL adapters (SQLAlchemy 2): the repository ports on SQLite (the embedded default) or PostgreSQL (psycopg 3).

``make_engine`` builds an engine for a URL, ``migrate.upgrade`` brings its schema to the latest Alembic revision,
and ``SqlRepositories.from_engine`` gives one repository per port over it.
"""
