-- The registry: what gmac knows about the project beyond the specs and the Pulumi state.
-- Forward-only: never edit an applied migration (gmac refuses a changed checksum); add one.

CREATE TABLE templates (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    builtin     INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

CREATE TABLE integration_types (
    type        TEXT PRIMARY KEY,
    description TEXT NOT NULL
);

-- One row per service and environment, as of the last apply of that environment.
CREATE TABLE services (
    name          TEXT NOT NULL,
    environment   TEXT NOT NULL,
    template      TEXT,
    kind          TEXT NOT NULL,             -- server, worker, database, alerts
    image         TEXT,
    replicas      INTEGER,
    host          TEXT,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (name, environment)
);

CREATE TABLE integrations (
    name          TEXT NOT NULL,
    environment   TEXT NOT NULL,
    type          TEXT NOT NULL,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (name, environment)
);

CREATE TABLE databases (
    name          TEXT NOT NULL,
    environment   TEXT NOT NULL,
    engine        TEXT NOT NULL,
    group_name    TEXT,
    service       TEXT,
    deployment_id INTEGER NOT NULL REFERENCES deployments (id),
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (name, environment)
);

-- Every apply and destroy that reached the engine, whatever its outcome.
CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    environment TEXT NOT NULL,
    operation   TEXT NOT NULL,               -- apply, destroy
    actor       TEXT NOT NULL,
    outcome     TEXT NOT NULL,               -- succeeded, failed
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '{}',  -- JSON: changes by operation
    owners      TEXT NOT NULL DEFAULT '{}',  -- JSON: changes by component, "Service api": 3
    error       TEXT NOT NULL DEFAULT '',
    git_commit  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deployments_by_environment ON deployments (environment, id);

CREATE TABLE health_results (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    environment TEXT NOT NULL,
    target      TEXT NOT NULL,               -- a service or integration name
    status      TEXT NOT NULL,               -- ok, failing
    detail      TEXT NOT NULL DEFAULT '',
    checked_at  TEXT NOT NULL
);
CREATE INDEX health_by_target ON health_results (environment, target, id);

-- The last `gmac drift` of each service: how many of its resources differ from the state.
CREATE TABLE drift_results (
    environment TEXT NOT NULL,
    target      TEXT NOT NULL,
    changes     INTEGER NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (environment, target)
);

-- Append-only and hash-chained: each entry's hash covers its fields and the previous hash.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    environment TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
