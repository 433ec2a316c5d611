-- Fewer checks and index entries per history entry, the rows every checkpoint writes most of.
--
-- Entries were checked against `runs` one by one (a foreign key: a lookup and a row lock per entry) and indexed
-- twice (by `seq`, and by run and `seq`). Every entry and stored value is written by the checkpoint statement,
-- only for the run it has just updated under its lease, and runs are never deleted, so the checks found nothing;
-- entries are read by run, in order, so one key (run, seq) serves every reader. Whoever deletes runs by hand
-- deletes their history and values with them.
ALTER TABLE history DROP CONSTRAINT history_run_id_fkey;
ALTER TABLE run_values DROP CONSTRAINT run_values_run_id_fkey;
ALTER TABLE history DROP CONSTRAINT history_pkey;
DROP INDEX history_run_id_seq_idx;
ALTER TABLE history ADD PRIMARY KEY (run_id, seq);
