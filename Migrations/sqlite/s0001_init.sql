-- Swirl's first SQLite schema: definitions, runs, the values their states refer to, history and events.
--
-- Applied by SQLiteMigrator inside one write transaction (BEGIN IMMEDIATE), so two processes opening the same file
-- never apply it twice. Never edit this file once released: add s0002_….sql instead.
--
-- Times are seconds since 1970 (REAL) on the store's clock, written by Swirl, never by SQLite's own functions,
-- so that a test clock and the system clock behave alike. JSON is stored as text, byte for byte: Swirl's JSON
-- keeps object members in order. Booleans are 0 or 1. Tables are STRICT, so a value of the wrong type is refused
-- instead of being stored as whatever SQLite makes of it.

-- A workflow document as validated, pinned by its content hash.
CREATE TABLE definitions (
    hash TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (namespace, name, version)
) STRICT;

-- One row per run. `wake_at` says when the run is due: now, a timer, or its lease's expiry (a takeover); it is
-- NULL only for runs that nothing but an event, a child or a request can wake, and for suspended and ended runs.
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    definition_hash TEXT NOT NULL REFERENCES definitions (hash),
    status TEXT NOT NULL
        CHECK (status IN ('pending', 'running', 'waiting', 'suspended', 'cancelled', 'faulted', 'completed')),
    input TEXT NOT NULL,
    output TEXT,
    -- The workflow error (RFC 7807 members) as JSON text.
    error TEXT,
    idempotency_key TEXT UNIQUE,
    -- The run that started this one; no foreign key, so a parent's row may be removed before its children's.
    parent_id TEXT,
    -- The last checkpoint, encoded by RunStateCoding (large values in run_values).
    state TEXT,
    wake_at REAL,
    lease_owner TEXT,
    lease_expires_at REAL,
    -- Bumped by every claim; every write of the lease holder names it.
    epoch INTEGER NOT NULL DEFAULT 0,
    -- Something happened while the run was leased: wake it when released.
    nudged INTEGER NOT NULL DEFAULT 0 CHECK (nudged IN (0, 1)),
    -- The run waits in a `listen`: delivered events nudge it.
    listening INTEGER NOT NULL DEFAULT 0 CHECK (listening IN (0, 1)),
    control TEXT CHECK (control IN ('cancel', 'suspend', 'resume')),
    -- The highest event sequence number when the run was created.
    event_base INTEGER NOT NULL DEFAULT 0,
    claims INTEGER NOT NULL DEFAULT 0,
    takeovers INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    ended_at REAL
) STRICT;

-- The one index that drives claims, timers, retries and takeovers.
CREATE INDEX runs_wake_at_idx ON runs (wake_at, id) WHERE wake_at IS NOT NULL;
CREATE INDEX runs_parent_id_idx ON runs (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX runs_created_at_idx ON runs (created_at, id);
-- Runs an event delivery nudges.
CREATE INDEX runs_listening_idx ON runs (id) WHERE listening = 1;

-- Large values a run's states refer to by hash (`@<sha256>`), stored once per run.
CREATE TABLE run_values (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, hash)
) STRICT, WITHOUT ROWID;

-- What happened in each run, for people and tools; execution never reads it. Rows are only ever appended, so the
-- rowid alias `seq` grows with the order of writing.
CREATE TABLE history (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    task TEXT,
    step_key TEXT,
    attempt INTEGER,
    data TEXT
) STRICT;
CREATE INDEX history_run_id_seq_idx ON history (run_id, seq);

-- CloudEvents, each stored once per source and id, in order of arrival. AUTOINCREMENT: a sequence number is never
-- used twice, even after the newest events were purged, so a run's event cursor never skips a later event.
-- Writes are serialized by the database's write lock, so numbers are committed in order.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    type TEXT,
    event TEXT NOT NULL,
    stored_at REAL NOT NULL,
    UNIQUE (source, id)
) STRICT;
CREATE INDEX events_stored_at_idx ON events (stored_at);
