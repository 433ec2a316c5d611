-- Schedules: a workflow registered with its document's `schedule` starts runs by itself, under any worker.
--
-- One schedule per workflow (namespace and name); registering it again with another definition, trigger or
-- input replaces the row (a new id). Times are seconds since 1970 on the store's clock, as in s0001. Every
-- write bumps `revision`: a worker fires a schedule only where the revision it read is still there, in the same
-- write transaction as the run it creates, whose idempotency key names the schedule and the fire time.

CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    definition_hash TEXT NOT NULL REFERENCES definitions (hash),
    -- 'on' is reserved for event-triggered schedules.
    kind TEXT NOT NULL CHECK (kind IN ('every', 'cron', 'after', 'on')),
    -- The interval of `every` and `after`.
    seconds REAL,
    cron TEXT,
    -- The input of every run the schedule starts, JSON text.
    input TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- The next fire time of `every` and `cron`, or the first of `after`; NULL once `after` has fired (it is due
    -- when its last run has ended, plus `seconds`).
    next_fire_at REAL,
    last_run_id TEXT,
    last_fire_at REAL,
    fires INTEGER NOT NULL DEFAULT 0,
    revision INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (namespace, name)
) STRICT;
