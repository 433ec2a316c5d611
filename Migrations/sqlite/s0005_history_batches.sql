-- History written one row per checkpoint instead of one row per entry, as the PostgreSQL store does since
-- m0007_history_batches.sql: a side-effecting task's checkpoint carries two entries, and each was a row and an index
-- entry of its own. A batch holds the entries of one checkpoint, in order, as a JSON array of objects with the
-- members `time` (seconds since 1970), `kind`, and when present `task`, `stepKey`, `attempt` and `data`. Entries
-- written before this change stay in `history`; a run's history is its rows there, then its batches, each in order
-- of `seq`.
CREATE TABLE history_batches (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    entries TEXT NOT NULL
) STRICT;
CREATE INDEX history_batches_run_id_seq_idx ON history_batches (run_id, seq);
