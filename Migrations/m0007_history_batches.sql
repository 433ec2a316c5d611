-- History written one row per checkpoint instead of one row per entry.
--
-- A side-effecting task's checkpoint carries two entries (the task's end and the next task's start), a run of pure
-- tasks one checkpoint with all of its entries; each entry was a heap row and an index entry of its own, which made
-- history the larger part of what the server did per checkpoint. A batch holds the entries of one checkpoint, in
-- order, as a JSON array of objects with the members `time` (seconds since 1970), `kind`, and when present `task`,
-- `stepKey`, `attempt` and `data`. Entries written before this change stay in `history`; a run's history is its
-- rows there, then its batches, each in order of `seq`.
CREATE TABLE history_batches (
    run_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    entries text NOT NULL,
    PRIMARY KEY (run_id, seq)
);
