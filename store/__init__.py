"""The data model and every query. SQLite is the embedded default; PostgreSQL serves many processes."""
