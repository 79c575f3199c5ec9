-- {{ database_name }}: the first migration. gmac applies the files of this folder in order,
-- each exactly once, to the Turso (libSQL) database '{{ database_name }}'.
-- Add changes as new files (0002_add_orders.sql, ...); never edit one that has been applied.

CREATE TABLE IF NOT EXISTS accounts (
    id          INTEGER PRIMARY KEY,
    email       TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX IF NOT EXISTS accounts_created_at ON accounts (created_at);
