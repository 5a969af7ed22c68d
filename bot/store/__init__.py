"""The database: one aiosqlite connection, one list of migrations, and the SQL of each
feature in a module of its own."""
