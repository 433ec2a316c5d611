-- Swirl's first schema: definitions, runs, the values their states refer to, history and events.
--
-- Applied by PostgresMigrator in one transaction, in the schema the store uses (the session's search_path), so
-- nothing here names a schema. Never edit this file once released: add m0002_….sql instead.
--
-- JSON that people or runs read back (inputs, outputs, states, events, history data) is stored as text, not
-- jsonb: Swirl's JSON keeps object members in order, and jsonb would reorder them.

-- A workflow document as validated, pinned by its content hash.
CREATE TABLE definitions (
    hash text PRIMARY KEY,
    namespace text NOT NULL,
    name text NOT NULL,
    version text NOT NULL,
    document text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT definitions_workflow_key UNIQUE (namespace, name, version)
);

-- One row per run. `wake_at` says when the run is due: now, a timer, or its lease's expiry (a takeover); it is
-- NULL only for runs that nothing but an event, a child or a request can wake, and for suspended and ended runs.
CREATE TABLE runs (
    id text PRIMARY KEY,
    definition_hash text NOT NULL REFERENCES definitions (hash),
    status text NOT NULL
        CONSTRAINT runs_status_check
        CHECK (status IN ('pending', 'running', 'waiting', 'suspended', 'cancelled', 'faulted', 'completed')),
    input text NOT NULL,
    output text,
    -- The workflow error (RFC 7807 members) as JSON text.
    error text,
    idempotency_key text CONSTRAINT runs_idempotency_key_key UNIQUE,
    -- The run that started this one; no foreign key, so a parent's row may be removed before its children's.
    parent_id text,
    -- The last checkpoint, encoded by RunStateCoding (large values in run_values).
    state text,
    wake_at timestamptz,
    lease_owner text,
    lease_expires_at timestamptz,
    -- Bumped by every claim; every write of the lease holder names it.
    epoch bigint NOT NULL DEFAULT 0,
    -- Something happened while the run was leased: wake it when released.
    nudged boolean NOT NULL DEFAULT false,
    -- The run waits in a `listen`: delivered events nudge it.
    listening boolean NOT NULL DEFAULT false,
    control text CONSTRAINT runs_control_check CHECK (control IN ('cancel', 'suspend', 'resume')),
    -- The highest event sequence number when the run was created.
    event_base bigint NOT NULL DEFAULT 0,
    claims integer NOT NULL DEFAULT 0,
    takeovers integer NOT NULL DEFAULT 0,
    -- A token chosen by the writer of the last checkpoint: a checkpoint whose reply was lost with the connection
    -- finds out whether it was saved before it is sent again.
    last_checkpoint text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
);

-- The one index that drives claims, timers, retries and takeovers.
CREATE INDEX runs_wake_at_idx ON runs (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX runs_parent_id_idx ON runs (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX runs_created_at_idx ON runs (created_at, id);
-- Runs an event delivery nudges.
CREATE INDEX runs_listening_idx ON runs (id) WHERE listening;

-- Large values a run's states refer to by hash (`@<sha256>`), stored once per run.
CREATE TABLE run_values (
    run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    hash text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (run_id, hash)
);

-- What happened in each run, for people and tools; execution never reads it.
CREATE TABLE history (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    time timestamptz NOT NULL,
    kind text NOT NULL,
    task text,
    step_key text,
    attempt integer,
    data text
);
CREATE INDEX history_run_id_seq_idx ON history (run_id, seq);

-- CloudEvents, each stored once per source and id, in order of arrival. Every insert happens under one
-- exclusive advisory lock, so sequence numbers are committed in order and a reader never skips one.
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    id text NOT NULL,
    type text,
    event text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_source_id_key UNIQUE (source, id)
);
CREATE INDEX events_stored_at_idx ON events (stored_at);
