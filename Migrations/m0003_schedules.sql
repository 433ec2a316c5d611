-- Schedules: a workflow registered with its document's `schedule` starts runs by itself, under any worker.
--
-- One schedule per workflow (namespace and name); registering it again with another definition, trigger or
-- input replaces the row (a new id). Every write bumps `revision`: a worker fires a schedule only where the
-- revision it read is still there, in the same statement that creates the run, whose idempotency key names the
-- schedule and the fire time.

CREATE TABLE schedules (
    id text PRIMARY KEY,
    namespace text NOT NULL,
    name text NOT NULL,
    definition_hash text NOT NULL REFERENCES definitions (hash),
    -- 'on' is reserved for event-triggered schedules.
    kind text NOT NULL CONSTRAINT schedules_kind_check CHECK (kind IN ('every', 'cron', 'after', 'on')),
    -- The interval of `every` and `after`, in seconds.
    seconds float8,
    cron text,
    -- The input of every run the schedule starts, JSON text.
    input text NOT NULL,
    paused boolean NOT NULL DEFAULT false,
    -- The next fire time of `every` and `cron`, or the first of `after`; NULL once `after` has fired (it is due
    -- when its last run has ended, plus `seconds`).
    next_fire_at timestamptz,
    last_run_id text,
    last_fire_at timestamptz,
    fires integer NOT NULL DEFAULT 0,
    revision bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedules_workflow_key UNIQUE (namespace, name)
);
