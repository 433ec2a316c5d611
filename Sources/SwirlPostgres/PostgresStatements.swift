/// The SQL of ``PostgresStore``, in one place. Hot statements are prepared once per connection.
///
/// Every time is the database's (`now()`: the transaction's start, the same for every statement of one
/// pipeline), so workers whose clocks disagree still agree on leases. Times cross the API as seconds since 1970
/// (`float8`); JSON crosses as text, kept byte for byte.
enum PostgresStatements {
    /// The statuses a worker may claim.
    private static let active = "('pending', 'running', 'waiting')"

    /// The columns of a `RunRecord`, from `runs r` joined with `definitions d`.
    static let recordColumns = """
        r.id, r.definition_hash, d.namespace, d.name, d.version, r.status, r.input, r.output, r.error, r.parent_id,
        r.idempotency_key, extract(epoch FROM r.created_at)::float8 AS created_at,
        extract(epoch FROM r.updated_at)::float8 AS updated_at, extract(epoch FROM r.ended_at)::float8 AS ended_at,
        extract(epoch FROM r.wake_at)::float8 AS wake_at, r.lease_owner,
        extract(epoch FROM r.lease_expires_at)::float8 AS lease_expires_at, r.claims, r.takeovers, r.control
        """

    // MARK: definitions

    /// $1 hash, $2 namespace, $3 name, $4 version, $5 document. Returns a row when inserted.
    static let insertDefinition = PGStatement(
        prepared: "swirl_insert_definition",
        """
        INSERT INTO definitions (hash, namespace, name, version, document) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING
        RETURNING hash
        """
    )

    /// $1 namespace, $2 name, $3 version, $4 hash: the definition stored under the name, else under the hash.
    static let existingDefinition = PGStatement(
        """
        SELECT hash, namespace, name, version, document FROM definitions
        WHERE (namespace = $1 AND name = $2 AND version = $3) OR hash = $4
        ORDER BY (namespace = $1 AND name = $2 AND version = $3) DESC
        LIMIT 1
        """
    )

    /// $1 hash.
    static let definition = PGStatement(
        prepared: "swirl_definition",
        "SELECT hash, namespace, name, version, document FROM definitions WHERE hash = $1"
    )

    /// $1 hashes: those of them that are stored.
    static let storedDefinitions = PGStatement("SELECT hash FROM definitions WHERE hash = ANY($1::text[])")

    // MARK: runs

    /// $1 id, $2 definition hash, $3 input, $4 idempotency key, $5 parent id. Returns the run's id and whether
    /// this statement created it; no row when a concurrent creator's run is not visible yet.
    static let createRun = PGStatement(
        prepared: "swirl_create_run",
        """
        WITH inserted AS (
            INSERT INTO runs (id, definition_hash, status, input, idempotency_key, parent_id, wake_at, event_base)
            VALUES ($1, $2, 'pending', $3, $4, $5, now(), (SELECT coalesce(max(seq), 0) FROM events))
            ON CONFLICT DO NOTHING
            RETURNING id
        )
        SELECT id, true AS created FROM inserted
        UNION ALL
        (SELECT id, false AS created FROM runs
            WHERE NOT EXISTS (SELECT 1 FROM inserted) AND (idempotency_key = $4 OR id = $1)
            ORDER BY idempotency_key IS NOT DISTINCT FROM $4 DESC
            LIMIT 1)
        """
    )

    /// $1 id, $2 idempotency key: the existing run a create collided with.
    static let existingRun = PGStatement(
        """
        SELECT id FROM runs WHERE idempotency_key = $2 OR id = $1
        ORDER BY idempotency_key IS NOT DISTINCT FROM $2 DESC
        LIMIT 1
        """
    )

    /// $1 owner, $2 limit, $3 lease seconds[, $4 run id]. One statement claims, bumps epochs and sets leases.
    static func claim(one: Bool) -> PGStatement {
        PGStatement(
            prepared: one ? "swirl_claim_one" : "swirl_claim",
            """
            WITH due AS (
                SELECT id, wake_at AS due_at FROM runs
                WHERE wake_at <= now() AND status IN \(active)
                    AND (lease_expires_at IS NULL OR lease_expires_at <= now())\(one ? " AND id = $4" : "")
                ORDER BY wake_at, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            UPDATE runs r SET
                epoch = r.epoch + 1,
                takeovers = r.takeovers + (r.lease_owner IS NOT NULL)::int,
                claims = r.claims + 1,
                nudged = false,
                lease_owner = $1,
                lease_expires_at = now() + make_interval(secs => $3::float8),
                wake_at = now() + make_interval(secs => $3::float8),
                status = CASE WHEN r.status IN ('pending', 'waiting') THEN 'running' ELSE r.status END,
                updated_at = now()
            FROM due, definitions d
            WHERE r.id = due.id AND d.hash = r.definition_hash
            RETURNING \(recordColumns), r.epoch, r.state, r.event_base,
                extract(epoch FROM due.due_at)::float8 AS due_at,
                (SELECT coalesce(array_agg(v.hash), '{}') FROM run_values v WHERE v.run_id = r.id) AS stored
            """
        )
    }

    /// $1 run ids[], $2 hashes[]: those values.
    static let values = PGStatement(
        prepared: "swirl_values",
        """
        SELECT v.run_id, v.hash, v.value FROM run_values v
        JOIN unnest($1::text[], $2::text[]) AS wanted(run_id, hash) ON v.run_id = wanted.run_id AND v.hash = wanted.hash
        """
    )

    /// $1 owner, $2 run ids[], $3 epochs[], $4 lease seconds. One statement for all of a worker's leases.
    static let heartbeat = PGStatement(
        prepared: "swirl_heartbeat",
        """
        UPDATE runs r SET
            lease_expires_at = now() + make_interval(secs => $4::float8),
            wake_at = now() + make_interval(secs => $4::float8)
        FROM unnest($2::text[], $3::bigint[]) AS lease(id, epoch)
        WHERE r.id = lease.id AND r.epoch = lease.epoch AND r.lease_owner = $1
        RETURNING r.id, extract(epoch FROM r.lease_expires_at)::float8 AS expires_at, r.control
        """
    )

    /// $1 id, $2 epoch, $3 owner, $4 wake at (or NULL for now). A running run becomes waiting.
    static let release = PGStatement(
        prepared: "swirl_release",
        """
        UPDATE runs SET
            lease_owner = NULL,
            lease_expires_at = NULL,
            wake_at = CASE WHEN nudged OR $4::float8 IS NULL THEN now() ELSE to_timestamp($4::float8) END,
            status = CASE WHEN status = 'running' THEN 'waiting' ELSE status END,
            nudged = false
        WHERE id = $1 AND epoch = $2::bigint AND lease_owner = $3
        RETURNING wake_at <= now() AS due
        """
    )

    /// $1 id, $2 owner. Ends the owner's lease now: the run is due, and its next claim a takeover.
    static let expireLease = PGStatement(
        """
        UPDATE runs SET lease_expires_at = now(), wake_at = now()
        WHERE id = $1 AND lease_owner = $2
        RETURNING id
        """
    )

    /// $1 id, $2 request (`cancel`, `suspend`, `resume`). Decides and applies in one statement, on the run's
    /// latest row (locked); returns its status before, and the action taken (`none` when not applicable).
    static let request = PGStatement(
        """
        WITH target AS (
            SELECT id, status, lease_owner IS NULL AS unleased, state IS NULL AS fresh, control
            FROM runs WHERE id = $1
            FOR UPDATE
        ),
        decision AS (
            SELECT target.*, CASE
                WHEN status IN ('completed', 'faulted', 'cancelled') THEN 'none'
                WHEN $2::text = 'resume' AND status = 'suspended' THEN 'resume-suspended'
                WHEN $2::text = 'resume' THEN CASE WHEN control = 'suspend' THEN 'clear' ELSE 'none' END
                WHEN $2::text = 'suspend' AND status = 'suspended' THEN 'none'
                WHEN $2::text = 'suspend' AND unleased THEN 'suspend-now'
                WHEN $2::text = 'cancel' AND status = 'suspended' THEN 'cancel-suspended'
                WHEN $2::text = 'cancel' AND unleased THEN 'cancel-now'
                ELSE 'record'
            END AS action
            FROM target
        ),
        applied AS (
            UPDATE runs r SET
                status = CASE
                    WHEN d.action IN ('resume-suspended', 'cancel-suspended')
                        THEN CASE WHEN d.fresh THEN 'pending' ELSE 'waiting' END
                    WHEN d.action = 'suspend-now' THEN 'suspended'
                    ELSE r.status
                END,
                wake_at = CASE
                    WHEN d.action IN ('resume-suspended', 'cancel-suspended', 'cancel-now') THEN now()
                    WHEN d.action = 'suspend-now' THEN NULL
                    ELSE r.wake_at
                END,
                control = CASE
                    WHEN d.action IN ('resume-suspended', 'clear') THEN NULL
                    WHEN d.action IN ('cancel-suspended', 'cancel-now') THEN 'cancel'
                    WHEN d.action = 'suspend-now' THEN r.control
                    ELSE $2::text
                END,
                updated_at = now()
            FROM decision d
            WHERE r.id = d.id AND d.action <> 'none'
            RETURNING r.id
        )
        SELECT status, action FROM decision
        """
    )

    // MARK: checkpoints

    /// `pg_advisory_xact_lock_shared` / `pg_advisory_xact_lock` of the event lock: $1, $2 its keys.
    ///
    /// A checkpoint that leaves its run listening takes it shared, before it looks for events newer than its
    /// cursor; every insert of events takes it exclusive, around the insert and the nudge of listening runs.
    /// So a parking listener either sees the event or is nudged by its delivery.
    static let lockEventsShared = PGStatement(
        prepared: "swirl_lock_events_shared", "SELECT pg_advisory_xact_lock_shared($1::int, $2::int)")
    static let lockEvents = PGStatement(
        prepared: "swirl_lock_events", "SELECT pg_advisory_xact_lock($1::int, $2::int)")

    /// Makes the statements after it in the same transaction find their rows through their keys, and the first due
    /// runs in the order of the index: no hash or merge join, no sort, no scan of a whole table where an index leads
    /// to the rows.
    ///
    /// The hot statements that join a table to an array of keys (a group's fenced write, a heartbeat, the values of
    /// claimed runs) or read the first due runs (a claim) have their plans chosen from the table's statistics, which
    /// lag behind a table that grows quickly; and a prepared statement keeps its plan. Planned while `runs` looked
    /// small, a group's write hashed the group and read every page of `runs` (with 3,000 runs, 800 pages for each
    /// group), and a claim read and sorted every due run to keep 16. Key lookups cost the same at any size of the
    /// table. `set_config(..., true)` is `SET LOCAL`: it ends with the transaction.
    static let planKeyLookups = PGStatement(
        prepared: "swirl_plan_key_lookups",
        """
        SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
            set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)
        """
    )

    /// The fenced write of one or more checkpoints: each run's row (only where its epoch and owner still match),
    /// then, for the runs that matched, their new values and history. One statement for every run of a group, so
    /// a group costs the server one statement, whatever its size, and the common checkpoint is one round trip.
    ///
    /// Each run is one element of the arrays $1 ids, $2 epochs, $3 owners, $4 tokens, $5 states, $6 statuses,
    /// $7 subscriptions (`NULL` when not listening), $8 clears control, $9 ended, $10 releases the lease,
    /// $11 outputs, $12 errors, $13 stops (ended or suspended: no wake), $14 event cursors, $15 wake at, $16 the
    /// checkpoint's history entries as one batch (`NULL` when it has none; see m0007_history_batches.sql); each
    /// value one of $17 run ids, $18 hashes, $19 values. No run appears twice. Returns, for each run whose lease
    /// held, its id, its control request after the write and whether it is due now; a run without a row lost its
    /// lease. A run released while nudged, or with a cancel or suspend request still open (the next claim carries
    /// it out), or listening behind an event it has not seen, is due now.
    static let checkpointRuns = PGStatement(
        prepared: "swirl_checkpoint_runs",
        """
        WITH input AS (
            SELECT * FROM unnest(
                $1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[],
                $9::boolean[], $10::boolean[], $11::text[], $12::text[], $13::boolean[], $14::bigint[], $15::float8[],
                $16::text[]
            ) AS i(id, epoch, owner, token, state, status, subscription, clears_control, ended, releases, output, error,
                stops, event_cursor, wake_at, history)
        ),
        \(checkpointWrite)
        """
    )

    /// ``checkpointRuns`` for one run, its row given as the scalars $1 to $16 rather than one-element arrays: the
    /// common checkpoint (one run alone) spares the server parsing sixteen arrays and a table function.
    static let checkpointRun = PGStatement(
        prepared: "swirl_checkpoint_run",
        """
        WITH input AS (
            SELECT $1::text AS id, $2::bigint AS epoch, $3::text AS owner, $4::text AS token, $5::text AS state,
                $6::text AS status, $7::text AS subscription, $8::boolean AS clears_control, $9::boolean AS ended,
                $10::boolean AS releases, $11::text AS output, $12::text AS error, $13::boolean AS stops,
                $14::bigint AS event_cursor, $15::float8 AS wake_at, $16::text AS history
        ),
        \(checkpointWrite)
        """
    )

    /// What ``checkpointRuns`` and ``checkpointRun`` do with the rows of their CTE `input`.
    private static let checkpointWrite = """
        run AS (
            UPDATE runs SET
                state = i.state,
                status = i.status,
                updated_at = now(),
                listening = i.subscription IS NOT NULL,
                subscription = i.subscription,
                last_checkpoint = i.token,
                control = CASE WHEN i.ended OR i.clears_control THEN NULL ELSE runs.control END,
                output = CASE WHEN i.ended THEN i.output ELSE runs.output END,
                error = CASE WHEN i.ended THEN i.error ELSE runs.error END,
                ended_at = CASE WHEN i.ended THEN now() ELSE runs.ended_at END,
                lease_owner = CASE WHEN i.releases THEN NULL ELSE runs.lease_owner END,
                lease_expires_at = CASE WHEN i.releases THEN NULL ELSE runs.lease_expires_at END,
                wake_at = CASE
                    WHEN NOT i.releases THEN runs.wake_at
                    WHEN i.stops THEN NULL
                    WHEN runs.nudged OR (NOT i.clears_control AND runs.control IN ('cancel', 'suspend'))
                        OR (i.subscription IS NOT NULL AND EXISTS (SELECT 1 FROM events WHERE seq > i.event_cursor)) THEN now()
                    ELSE to_timestamp(i.wake_at)
                END,
                nudged = runs.nudged AND NOT i.releases
            FROM input i
            WHERE runs.id = i.id AND runs.epoch = i.epoch AND runs.lease_owner = i.owner
            RETURNING runs.id, runs.control, runs.wake_at IS NOT NULL AND runs.wake_at <= now() AS due, i.history
        ),
        saved_values AS (
            INSERT INTO run_values (run_id, hash, value)
            SELECT v.run_id, v.hash, v.value FROM unnest($17::text[], $18::text[], $19::text[]) AS v(run_id, hash, value)
            WHERE v.run_id IN (SELECT id FROM run)
            ON CONFLICT (run_id, hash) DO NOTHING
        ),
        saved_history AS (
            INSERT INTO history_batches (run_id, entries)
            SELECT id, history FROM run WHERE history IS NOT NULL
        )
        SELECT id, control, due FROM run
        """

    /// The statements after the fenced write in the same transaction find out whether it matched by the token
    /// it wrote; $1 id, $2 token.
    private static let fence = "EXISTS (SELECT 1 FROM runs WHERE id = $1 AND last_checkpoint = $2)"

    /// Nudges every listening run when the CTE `stored` inserted an event.
    private static let nudgeListeners = """
        woken AS (
            UPDATE runs SET nudged = true, wake_at = CASE WHEN lease_owner IS NULL THEN now() ELSE wake_at END
            WHERE listening AND status IN \(active) AND EXISTS (SELECT 1 FROM stored)
            RETURNING subscription
        )
        """

    /// The events a checkpoint emitted. $1 id, $2 token, $3 sources[], $4 ids[], $5 types[], $6 events[].
    static let checkpointEvents = PGStatement(
        prepared: "swirl_checkpoint_events",
        """
        WITH stored AS (
            INSERT INTO events (source, id, type, event)
            SELECT e.source, e.id, e.type, e.event
            FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(source, id, type, event, n)
            WHERE \(fence)
                AND NOT EXISTS (SELECT 1 FROM events old WHERE old.source = e.source AND old.id = e.id)
            ORDER BY e.n
            ON CONFLICT (source, id) DO NOTHING
            RETURNING seq
        ),
        \(nudgeListeners)
        SELECT (SELECT count(*) FROM stored) AS stored
        """
    )

    /// The child runs a checkpoint starts. $1 id, $2 token, $3 ids[], $4 definition hashes[], $5 inputs[],
    /// $6 idempotency keys[], $7 parent ids[].
    static let checkpointChildren = PGStatement(
        prepared: "swirl_checkpoint_children",
        """
        INSERT INTO runs (id, definition_hash, status, input, idempotency_key, parent_id, wake_at, event_base)
        SELECT c.id, c.definition_hash, 'pending', c.input, c.idempotency_key, c.parent_id, now(),
            (SELECT coalesce(max(seq), 0) FROM events)
        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            WITH ORDINALITY AS c(id, definition_hash, input, idempotency_key, parent_id, n)
        WHERE \(fence)
        ORDER BY c.n
        ON CONFLICT DO NOTHING
        RETURNING id
        """
    )

    /// What an end does to other runs: an ended run nudges its parent ($3), a cancelled one asks its unfinished
    /// children to cancel ($4), as a cancel request would. $1 id, $2 token.
    static let checkpointEnd = PGStatement(
        prepared: "swirl_checkpoint_end",
        """
        WITH me AS (
            SELECT id, parent_id FROM runs WHERE id = $1 AND last_checkpoint = $2
        ),
        parent AS (
            UPDATE runs p SET nudged = true, wake_at = CASE WHEN p.lease_owner IS NULL THEN now() ELSE p.wake_at END
            FROM me
            WHERE $3::boolean AND p.id = me.parent_id AND p.status IN \(active)
            RETURNING p.id
        ),
        children AS (
            UPDATE runs c SET
                control = 'cancel',
                status = CASE
                    WHEN c.status = 'suspended' THEN CASE WHEN c.state IS NULL THEN 'pending' ELSE 'waiting' END
                    ELSE c.status
                END,
                wake_at = CASE WHEN c.status = 'suspended' OR c.lease_owner IS NULL THEN now() ELSE c.wake_at END,
                updated_at = now()
            FROM me
            WHERE $4::boolean AND c.parent_id = me.id AND c.status NOT IN ('completed', 'faulted', 'cancelled')
            RETURNING c.id
        )
        SELECT (SELECT count(*) FROM parent) AS parents, (SELECT count(*) FROM children) AS children
        """
    )

    /// Whether a checkpoint whose reply was lost was saved: $1 id, $2 token. Returns its control request.
    static let savedCheckpoint = PGStatement("SELECT control FROM runs WHERE id = $1 AND last_checkpoint = $2")

    // MARK: events

    /// $1 source, $2 id, $3 type, $4 event. Under the exclusive event lock; returns the sequence number, or no
    /// row for a duplicate. (The `NOT EXISTS` keeps a duplicate from using up a sequence number: under the lock
    /// nobody else inserts, so numbers stay gapless but for rolled-back transactions.)
    static let deliver = PGStatement(
        prepared: "swirl_deliver",
        """
        WITH stored AS (
            INSERT INTO events (source, id, type, event)
            SELECT $1::text, $2::text, $3::text, $4::text
            WHERE NOT EXISTS (SELECT 1 FROM events WHERE source = $1::text AND id = $2::text)
            ON CONFLICT (source, id) DO NOTHING
            RETURNING seq
        ),
        \(nudgeListeners)
        SELECT seq, NULL AS subscription, false AS listener FROM stored
        UNION ALL
        SELECT NULL, subscription, true FROM woken
        """
    )

    /// $1 after, $2 limit.
    static let events = PGStatement(
        prepared: "swirl_events",
        """
        SELECT seq, event, extract(epoch FROM stored_at)::float8 AS stored_at FROM events
        WHERE seq > $1::bigint ORDER BY seq LIMIT $2
        """
    )

    /// $1 time.
    static let purgeEvents = PGStatement("DELETE FROM events WHERE stored_at < to_timestamp($1::float8)")

    /// $1 channel, $2 payload.
    static let notify = PGStatement(prepared: "swirl_notify", "SELECT pg_notify($1, $2)")

    // MARK: reading

    /// $1 id.
    static let run = PGStatement(
        prepared: "swirl_run",
        "SELECT \(recordColumns) FROM runs r JOIN definitions d ON d.hash = r.definition_hash WHERE r.id = $1"
    )

    /// $1 status, $2 workflow (`name` or `namespace/name`), $3 parent id, $4 limit; each filter NULL for any.
    static let runs = PGStatement(
        """
        SELECT \(recordColumns) FROM runs r JOIN definitions d ON d.hash = r.definition_hash
        WHERE ($1::text IS NULL OR r.status = $1::text)
            AND ($2::text IS NULL OR d.name = $2::text OR d.namespace || '/' || d.name = $2::text)
            AND ($3::text IS NULL OR r.parent_id = $3::text)
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT $4
        """
    )

    /// $1 run id. Entries written before m0007 one per row, then the batches, in order; a row is an entry when
    /// `entries` is `NULL`, else a batch.
    static let history = PGStatement(
        prepared: "swirl_history",
        """
        SELECT * FROM (
            SELECT 0 AS part, seq, extract(epoch FROM time)::float8 AS time, kind, task, step_key, attempt, data,
                NULL::text AS entries
            FROM history WHERE run_id = $1
            UNION ALL
            SELECT 1, seq, NULL, NULL, NULL, NULL, NULL, NULL, entries FROM history_batches WHERE run_id = $1
        ) AS rows
        ORDER BY part, seq
        """
    )

    /// $1 owner whose runs to leave out, or NULL.
    static let nextWake = PGStatement(
        prepared: "swirl_next_wake",
        """
        SELECT extract(epoch FROM min(wake_at))::float8 AS wake_at FROM runs
        WHERE wake_at IS NOT NULL AND status IN \(active) AND ($1::text IS NULL OR lease_owner IS DISTINCT FROM $1::text)
        """
    )

    static let now = PGStatement(prepared: "swirl_now", "SELECT extract(epoch FROM now())::float8 AS now")

    // MARK: schedules

    /// The columns of a schedule, from `schedules s` joined with `definitions d` and the schedule's last run `r`
    /// (left join); see ``PostgresStore/schedule(from:)``.
    private static let scheduleColumns = """
        s.id, d.namespace, d.name, d.version, s.definition_hash, s.kind, s.seconds, s.cron, s.input, s.paused,
        extract(epoch FROM s.next_fire_at)::float8 AS next_fire_at, s.last_run_id,
        extract(epoch FROM s.last_fire_at)::float8 AS last_fire_at, s.fires,
        extract(epoch FROM s.created_at)::float8 AS created_at, s.revision, r.id IS NOT NULL AS run_exists,
        extract(epoch FROM r.ended_at)::float8 AS run_ended_at, s.events, s.event_cursor, s.event_progress
        """

    private static let scheduleSource = """
        schedules s JOIN definitions d ON d.hash = s.definition_hash LEFT JOIN runs r ON r.id = s.last_run_id
        """

    /// When a schedule is due, in seconds since 1970 (as ``ScheduleTiming/dueAt(_:nextFireAt:lastFireAt:lastRun:)``
    /// says, which has the last word): `after` once it has started a run is due when that run ended (or is gone),
    /// plus its interval.
    private static let scheduleDueAt = """
        CASE WHEN s.kind = 'after' AND s.last_run_id IS NOT NULL
            THEN extract(epoch FROM CASE WHEN r.id IS NULL THEN s.last_fire_at ELSE r.ended_at END)::float8 + s.seconds
            ELSE extract(epoch FROM s.next_fire_at)::float8 END
        """

    /// Every schedule, by workflow.
    static let schedules = PGStatement("SELECT \(scheduleColumns) FROM \(scheduleSource) ORDER BY s.namespace, s.name")

    /// $1 id.
    static let schedule = PGStatement("SELECT \(scheduleColumns) FROM \(scheduleSource) WHERE s.id = $1")

    /// $1 definition hash: the schedule of that definition's workflow.
    static let scheduleOfWorkflow = PGStatement(
        """
        SELECT \(scheduleColumns) FROM \(scheduleSource)
        WHERE (s.namespace, s.name) = (SELECT namespace, name FROM definitions WHERE hash = $1)
        """
    )

    /// $1 as of (seconds since 1970), $2 limit: the unpaused schedules due.
    static let dueSchedules = PGStatement(
        prepared: "swirl_due_schedules",
        """
        SELECT \(scheduleColumns) FROM \(scheduleSource)
        WHERE NOT s.paused AND \(scheduleDueAt) <= $1::float8
        ORDER BY s.id
        LIMIT $2
        """
    )

    /// The earliest time an unpaused schedule is due.
    static let nextScheduleFire = PGStatement(
        prepared: "swirl_next_schedule_fire",
        "SELECT min(\(scheduleDueAt)) AS next FROM \(scheduleSource) WHERE NOT s.paused"
    )

    /// $1 id, $2 definition hash, $3 kind, $4 seconds, $5 cron, $6 input, $7 next fire at, $8 events (the strategy
    /// of `on`). Replaces the schedule of the same workflow; an `on` schedule looks at events stored from now on.
    /// Returns the id, or no row when the definition is not stored.
    static let saveSchedule = PGStatement(
        """
        INSERT INTO schedules (id, namespace, name, definition_hash, kind, seconds, cron, input, next_fire_at, events,
            event_cursor)
        SELECT $1, namespace, name, $2, $3, $4::float8, $5, $6, to_timestamp($7::float8), $8,
            (SELECT coalesce(max(seq), 0) FROM events)
        FROM definitions WHERE hash = $2
        ON CONFLICT (namespace, name) DO UPDATE SET
            id = EXCLUDED.id, definition_hash = EXCLUDED.definition_hash, kind = EXCLUDED.kind,
            seconds = EXCLUDED.seconds, cron = EXCLUDED.cron, input = EXCLUDED.input, paused = false,
            next_fire_at = EXCLUDED.next_fire_at, last_run_id = NULL, last_fire_at = NULL, fires = 0,
            events = EXCLUDED.events, event_cursor = EXCLUDED.event_cursor, event_progress = NULL,
            revision = schedules.revision + 1, created_at = now(), updated_at = now()
        RETURNING id
        """
    )

    /// $1 id.
    static let deleteSchedule = PGStatement("DELETE FROM schedules WHERE id = $1 RETURNING id")

    /// $1 id, $2 paused, $3 next fire at, $4 revision read: only where the schedule is as it was read.
    static let pauseSchedule = PGStatement(
        """
        UPDATE schedules SET paused = $2::boolean, next_fire_at = to_timestamp($3::float8), revision = revision + 1,
            updated_at = now(),
            -- Resumed: events stored while it was paused are skipped, as missed fire times are.
            event_cursor = CASE WHEN paused AND NOT $2::boolean THEN (SELECT coalesce(max(seq), 0) FROM events)
                ELSE event_cursor END,
            event_progress = CASE WHEN paused AND NOT $2::boolean THEN NULL ELSE event_progress END
        WHERE id = $1 AND revision = $4
        RETURNING id
        """
    )

    /// $1 id, $2 revision read, $3 event cursor, $4 event progress, $5 run ids[], $6 inputs[], $7 idempotency
    /// keys[]. Moves an `on` schedule past the events it has looked at and creates the runs they call for, only
    /// where the schedule is unpaused and as it was read. Returns whether it advanced and the ids created.
    static let advanceEventSchedule = PGStatement(
        prepared: "swirl_advance_event_schedule",
        """
        WITH advanced AS (
            UPDATE schedules SET event_cursor = greatest(event_cursor, $3::bigint), event_progress = $4,
                last_run_id = coalesce(($5::text[])[cardinality($5::text[])], last_run_id),
                last_fire_at = CASE WHEN cardinality($5::text[]) > 0 THEN now() ELSE last_fire_at END,
                fires = fires + cardinality($5::text[]), revision = revision + 1, updated_at = now()
            WHERE id = $1 AND revision = $2 AND NOT paused
            RETURNING definition_hash
        ), inserted AS (
            INSERT INTO runs (id, definition_hash, status, input, idempotency_key, wake_at, event_base)
            SELECT r.id, a.definition_hash, 'pending', r.input, r.key, now(), (SELECT coalesce(max(seq), 0) FROM events)
            FROM advanced a, unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS r(id, input, key, n)
            ORDER BY r.n
            ON CONFLICT DO NOTHING
            RETURNING id
        )
        SELECT (SELECT count(*) FROM advanced) AS advanced,
            coalesce((SELECT json_agg(id) FROM inserted)::text, '[]') AS inserted
        """
    )

    /// $1 id, $2 revision read, $3 next fire at, $4 run id, $5 fire time, $6 idempotency key. Advances the schedule
    /// only where it is as it was read, and creates its run in the same statement (nothing when another firing got
    /// there first). Returns whether it advanced and whether the run was created.
    static let fireSchedule = PGStatement(
        prepared: "swirl_fire_schedule",
        """
        WITH advanced AS (
            UPDATE schedules SET next_fire_at = to_timestamp($3::float8), last_run_id = $4,
                last_fire_at = to_timestamp($5::float8), fires = fires + 1, revision = revision + 1, updated_at = now()
            WHERE id = $1 AND revision = $2 AND NOT paused
            RETURNING definition_hash, input
        ), inserted AS (
            INSERT INTO runs (id, definition_hash, status, input, idempotency_key, wake_at, event_base)
            SELECT $4, definition_hash, 'pending', input, $6, now(), (SELECT coalesce(max(seq), 0) FROM events)
            FROM advanced
            ON CONFLICT DO NOTHING
            RETURNING id
        )
        SELECT (SELECT count(*) FROM advanced) AS advanced, (SELECT count(*) FROM inserted) AS inserted
        """
    )
}
