/// The SQL of ``SQLiteStore``, in one place: constants, each prepared once per connection and reused.
///
/// Every time is bound by the store (its clock's `now`, read inside the write transaction, so that times follow
/// the order in which writers take the lock); SQLite's own time functions are never used. Parameters are numbered
/// (`?1`) so a value can be used twice.
enum SQLiteStatements {
    /// The statuses a worker may claim.
    private static let active = "('pending', 'running', 'waiting')"

    /// The columns of a `RunRecord`, from `runs r` joined with `definitions d`; see ``SQLiteStore/record(from:)``
    /// for their positions.
    private static let recordColumns = """
        r.id, r.definition_hash, d.namespace, d.name, d.version, r.status, r.input, r.output, r.error, r.parent_id,
        r.idempotency_key, r.created_at, r.updated_at, r.ended_at, r.wake_at, r.lease_owner, r.lease_expires_at,
        r.claims, r.takeovers, r.control
        """

    /// The highest event sequence number ever used (`sqlite_sequence` keeps it even when the newest events were
    /// purged).
    private static let lastEventSequence =
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)"

    // MARK: definitions

    /// ?1 hash, ?2 namespace, ?3 name, ?4 version, ?5 document, ?6 now. Inserts nothing when the hash or the
    /// name and version are taken.
    static let insertDefinition = """
        INSERT INTO definitions (hash, namespace, name, version, document, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT DO NOTHING
        """

    /// ?1 namespace, ?2 name, ?3 version, ?4 hash: the definition stored under the name, else under the hash.
    static let existingDefinition = """
        SELECT hash, namespace, name, version, document FROM definitions
        WHERE (namespace = ?1 AND name = ?2 AND version = ?3) OR hash = ?4
        ORDER BY (namespace = ?1 AND name = ?2 AND version = ?3) DESC
        LIMIT 1
        """

    /// ?1 hash.
    static let definition = "SELECT hash, namespace, name, version, document FROM definitions WHERE hash = ?1"

    /// ?1 hash: a row when stored.
    static let definitionExists = "SELECT 1 FROM definitions WHERE hash = ?1"

    // MARK: runs

    /// ?1 idempotency key.
    static let runByIdempotencyKey = "SELECT id FROM runs WHERE idempotency_key = ?1"

    /// ?1 id.
    static let runExists = "SELECT 1 FROM runs WHERE id = ?1"

    /// ?1 id, ?2 definition hash, ?3 input, ?4 idempotency key, ?5 parent id, ?6 now. Due at once; sees the
    /// events stored after it. Inserts nothing when the id or the idempotency key is taken (a child run started
    /// again by a replayed checkpoint).
    static let insertRun = """
        INSERT INTO runs (id, definition_hash, status, input, idempotency_key, parent_id, wake_at, event_base,
            created_at, updated_at)
        VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, \(lastEventSequence), ?6, ?6)
        ON CONFLICT DO NOTHING
        """

    /// ?1 now, ?2 limit: the due runs a worker may claim, oldest `wake_at` first.
    static let dueRuns = """
        SELECT id FROM runs
        WHERE wake_at IS NOT NULL AND wake_at <= ?1 AND status IN \(active)
            AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)
        ORDER BY wake_at, id
        LIMIT ?2
        """

    /// ?1 now, ?2 id: the run, when it is due and claimable.
    static let dueRun = """
        SELECT id FROM runs
        WHERE id = ?2 AND wake_at IS NOT NULL AND wake_at <= ?1 AND status IN \(active)
            AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)
        """

    /// ?1 owner, ?2 lease expiry, ?3 now, ?4 id: the claim of one due run. A run whose previous lease is still
    /// named (it expired) is a takeover. Returns the new epoch, the state and the event base.
    static let claimRun = """
        UPDATE runs SET
            epoch = epoch + 1,
            takeovers = takeovers + (lease_owner IS NOT NULL),
            claims = claims + 1,
            nudged = 0,
            lease_owner = ?1,
            lease_expires_at = ?2,
            wake_at = ?2,
            status = CASE WHEN status IN ('pending', 'waiting') THEN 'running' ELSE status END,
            updated_at = ?3
        WHERE id = ?4
        RETURNING epoch, state, event_base
        """

    /// ?1 run id: the hashes of the values stored for it.
    static let storedValueHashes = "SELECT hash FROM run_values WHERE run_id = ?1"

    /// ?1 run id, ?2 hash.
    static let value = "SELECT value FROM run_values WHERE run_id = ?1 AND hash = ?2"

    /// ?1 expiry, ?2 id, ?3 epoch, ?4 owner. Returns the run's control request when the lease held.
    static let heartbeat = """
        UPDATE runs SET lease_expires_at = ?1, wake_at = ?1
        WHERE id = ?2 AND epoch = ?3 AND lease_owner = ?4
        RETURNING control
        """

    /// ?1 id, ?2 epoch, ?3 owner, ?4 wake at (or NULL for now), ?5 now. A running run becomes waiting; a nudged
    /// one is due now. Returns whether the run is due now, when the lease held.
    static let release = """
        UPDATE runs SET
            lease_owner = NULL,
            lease_expires_at = NULL,
            wake_at = CASE WHEN nudged = 1 OR ?4 IS NULL THEN ?5 ELSE ?4 END,
            status = CASE WHEN status = 'running' THEN 'waiting' ELSE status END,
            nudged = 0
        WHERE id = ?1 AND epoch = ?2 AND lease_owner = ?3
        RETURNING wake_at <= ?5
        """

    /// ?1 id, ?2 owner, ?3 now. Ends the owner's lease now: the run is due, and its next claim a takeover.
    static let expireLease = """
        UPDATE runs SET lease_expires_at = ?3, wake_at = ?3
        WHERE id = ?1 AND lease_owner = ?2
        RETURNING id
        """

    /// ?1 id: what a control request decides on.
    static let requestTarget = """
        SELECT status, lease_owner IS NULL, state IS NULL, control, wake_at FROM runs WHERE id = ?1
        """

    /// ?1 id, ?2 status, ?3 wake at, ?4 control, ?5 now.
    static let applyRequest = "UPDATE runs SET status = ?2, wake_at = ?3, control = ?4, updated_at = ?5 WHERE id = ?1"

    // MARK: checkpoints

    /// The fenced write of a run: only where its epoch and owner still match. ?1 id, ?2 epoch, ?3 owner, ?4 state,
    /// ?5 status, ?6 now, ?7 listening, ?8 clears control, ?9 ended, ?10 output, ?11 error, ?12 releases the
    /// lease, ?13 stops (ended or suspended: no wake), ?14 event cursor, ?15 wake at, ?16 subscription (when
    /// listening).
    ///
    /// A run released while nudged, or with a cancel or suspend request still open (the next claim carries it
    /// out), or listening behind an event it has not seen, is due now. (Every `SET` expression reads the row as it
    /// was before the update.) Returns the control request after the write and whether the run is due now; no
    /// row when the lease was lost.
    static let checkpointRun = """
        UPDATE runs SET
            state = ?4,
            status = ?5,
            updated_at = ?6,
            listening = ?7,
            subscription = ?16,
            control = CASE WHEN ?9 OR ?8 THEN NULL ELSE control END,
            output = CASE WHEN ?9 THEN ?10 ELSE output END,
            error = CASE WHEN ?9 THEN ?11 ELSE error END,
            ended_at = CASE WHEN ?9 THEN ?6 ELSE ended_at END,
            lease_owner = CASE WHEN ?12 THEN NULL ELSE lease_owner END,
            lease_expires_at = CASE WHEN ?12 THEN NULL ELSE lease_expires_at END,
            wake_at = CASE
                WHEN NOT ?12 THEN wake_at
                WHEN ?13 THEN NULL
                WHEN nudged = 1 OR (NOT ?8 AND control IN ('cancel', 'suspend'))
                    OR (?7 AND EXISTS (SELECT 1 FROM events WHERE seq > ?14)) THEN ?6
                ELSE ?15
            END,
            nudged = CASE WHEN ?12 THEN 0 ELSE nudged END
        WHERE id = ?1 AND epoch = ?2 AND lease_owner = ?3
        RETURNING control, wake_at IS NOT NULL AND wake_at <= ?6
        """

    /// ?1 run id, ?2 hash, ?3 value. A value stored already is left as it is.
    static let insertValue = """
        INSERT INTO run_values (run_id, hash, value) VALUES (?1, ?2, ?3)
        ON CONFLICT (run_id, hash) DO NOTHING
        """

    /// ?1 run id, ?2 the checkpoint's history entries as one batch (``HistoryBatch``; see s0005_history_batches.sql).
    static let insertHistoryBatch = """
        INSERT INTO history_batches (run_id, entries) VALUES (?1, ?2)
        """

    /// What an ended run does to its parent: ?1 the ended run's id, ?2 now.
    static let nudgeParent = """
        UPDATE runs SET nudged = 1, wake_at = CASE WHEN lease_owner IS NULL THEN ?2 ELSE wake_at END
        WHERE id = (SELECT parent_id FROM runs WHERE id = ?1) AND status IN \(active)
        """

    /// A cancelled run asks its unfinished children to cancel, as a cancel request would: ?1 its id, ?2 now.
    static let cancelChildren = """
        UPDATE runs SET
            control = 'cancel',
            status = CASE
                WHEN status = 'suspended' THEN CASE WHEN state IS NULL THEN 'pending' ELSE 'waiting' END
                ELSE status
            END,
            wake_at = CASE WHEN status = 'suspended' OR lease_owner IS NULL THEN ?2 ELSE wake_at END,
            updated_at = ?2
        WHERE parent_id = ?1 AND status NOT IN ('completed', 'faulted', 'cancelled')
        """

    // MARK: events

    /// ?1 source, ?2 id, ?3 type, ?4 event, ?5 now. Returns the sequence number, or no row for a duplicate. (An
    /// insert that hits the unique key still uses up an AUTOINCREMENT number, so a duplicate is looked for first;
    /// under the write lock nobody inserts in between.)
    static let insertEvent = """
        INSERT INTO events (source, id, type, event, stored_at)
        SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM events WHERE source = ?1 AND id = ?2)
        RETURNING seq
        """

    /// Every listening run is nudged by a stored event: ?1 now.
    static let nudgeListeners = """
        UPDATE runs SET nudged = 1, wake_at = CASE WHEN lease_owner IS NULL THEN ?1 ELSE wake_at END
        WHERE listening = 1 AND status IN \(active)
        """

    /// ``nudgeListeners``, returning the subscription of each run it nudged, for `swirl emit`'s count.
    static let nudgeListenersCounted = nudgeListeners + " RETURNING subscription"

    /// ?1 after, ?2 limit.
    static let events = "SELECT seq, event, stored_at FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"

    /// ?1 time.
    static let purgeEvents = "DELETE FROM events WHERE stored_at < ?1"

    // MARK: reading

    /// ?1 id.
    static let run = """
        SELECT \(recordColumns) FROM runs r JOIN definitions d ON d.hash = r.definition_hash WHERE r.id = ?1
        """

    /// ?1 status, ?2 workflow (`name` or `namespace/name`), ?3 parent id, ?4 limit; each filter NULL for any.
    static let runs = """
        SELECT \(recordColumns) FROM runs r JOIN definitions d ON d.hash = r.definition_hash
        WHERE (?1 IS NULL OR r.status = ?1)
            AND (?2 IS NULL OR d.name = ?2 OR d.namespace || '/' || d.name = ?2)
            AND (?3 IS NULL OR r.parent_id = ?3)
        ORDER BY r.created_at DESC, r.id DESC
        LIMIT ?4
        """

    /// ?1 run id. Entries written before s0005 one per row, then the batches, in order; a row is an entry when
    /// `entries` is `NULL`, else a batch.
    static let history = """
        SELECT 0 AS part, seq, time, kind, task, step_key, attempt, data, NULL AS entries FROM history WHERE run_id = ?1
        UNION ALL
        SELECT 1, seq, NULL, NULL, NULL, NULL, NULL, NULL, entries FROM history_batches WHERE run_id = ?1
        ORDER BY part, seq
        """

    /// ?1 owner whose runs to leave out, or NULL.
    static let nextWake = """
        SELECT min(wake_at) FROM runs
        WHERE wake_at IS NOT NULL AND status IN \(active) AND (?1 IS NULL OR lease_owner IS NOT ?1)
        """

    // MARK: schedules

    /// The columns of a schedule, from `schedules s` joined with `definitions d` and the schedule's last run `r`
    /// (left join); see ``SQLiteStore/schedule(from:)`` for their positions.
    private static let scheduleColumns = """
        s.id, d.namespace, d.name, d.version, s.definition_hash, s.kind, s.seconds, s.cron, s.input, s.paused,
        s.next_fire_at, s.last_run_id, s.last_fire_at, s.fires, s.created_at, s.revision, r.id IS NOT NULL,
        r.ended_at, s.events, s.event_cursor, s.event_progress
        """

    private static let scheduleSource = """
        schedules s JOIN definitions d ON d.hash = s.definition_hash LEFT JOIN runs r ON r.id = s.last_run_id
        """

    /// When a schedule is due (as ``ScheduleTiming/dueAt(_:nextFireAt:lastFireAt:lastRun:)`` says, which has the
    /// last word): `after` once it has started a run is due when that run ended (or is gone), plus its interval.
    private static let scheduleDueAt = """
        CASE WHEN s.kind = 'after' AND s.last_run_id IS NOT NULL
            THEN (CASE WHEN r.id IS NULL THEN s.last_fire_at ELSE r.ended_at END) + s.seconds
            ELSE s.next_fire_at END
        """

    /// Every schedule, by workflow.
    static let schedules = "SELECT \(scheduleColumns) FROM \(scheduleSource) ORDER BY s.namespace, s.name"

    /// ?1 id.
    static let schedule = "SELECT \(scheduleColumns) FROM \(scheduleSource) WHERE s.id = ?1"

    /// ?1 namespace, ?2 name.
    static let scheduleOfWorkflow = """
        SELECT \(scheduleColumns) FROM \(scheduleSource) WHERE s.namespace = ?1 AND s.name = ?2
        """

    /// ?1 as of, ?2 limit: the unpaused schedules due.
    static let dueSchedules = """
        SELECT \(scheduleColumns) FROM \(scheduleSource)
        WHERE s.paused = 0 AND \(scheduleDueAt) <= ?1
        ORDER BY s.id
        LIMIT ?2
        """

    /// The earliest time an unpaused schedule is due.
    static let nextScheduleFire = "SELECT min(\(scheduleDueAt)) FROM \(scheduleSource) WHERE s.paused = 0"

    /// ?1 id, ?2 definition hash, ?3 kind, ?4 seconds, ?5 cron, ?6 input, ?7 next fire at, ?8 now, ?9 events (the
    /// strategy of `on`, which looks at events stored from now on).
    static let insertSchedule = """
        INSERT INTO schedules (id, namespace, name, definition_hash, kind, seconds, cron, input, next_fire_at,
            created_at, updated_at, events, event_cursor)
        SELECT ?1, namespace, name, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9,
            coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)
        FROM definitions WHERE hash = ?2
        """

    /// ?1 id.
    static let deleteSchedule = "DELETE FROM schedules WHERE id = ?1 RETURNING id"

    /// ?1 id, ?2 paused, ?3 next fire at, ?4 now. Resumed, it skips the events stored while it was paused, as it
    /// skips missed fire times.
    static let pauseSchedule = """
        UPDATE schedules SET paused = ?2, next_fire_at = ?3, revision = revision + 1, updated_at = ?4,
            event_cursor = CASE WHEN paused = 1 AND ?2 = 0
                THEN coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) ELSE event_cursor END,
            event_progress = CASE WHEN paused = 1 AND ?2 = 0 THEN NULL ELSE event_progress END
        WHERE id = ?1
        """

    /// ?1 id, ?2 revision read, ?3 event cursor, ?4 event progress, ?5 last run id, ?6 runs started, ?7 now: the
    /// advance of an `on` schedule past the events it has looked at, only where it is as it was read.
    static let advanceEventSchedule = """
        UPDATE schedules SET event_cursor = max(event_cursor, ?3), event_progress = ?4,
            last_run_id = coalesce(?5, last_run_id), last_fire_at = CASE WHEN ?6 > 0 THEN ?7 ELSE last_fire_at END,
            fires = fires + ?6, revision = revision + 1, updated_at = ?7
        WHERE id = ?1 AND revision = ?2 AND paused = 0
        """

    /// ?1 id, ?2 revision read, ?3 next fire at, ?4 run id, ?5 fire time, ?6 now: the advance of a firing, only
    /// where the schedule is as it was read.
    static let advanceSchedule = """
        UPDATE schedules SET next_fire_at = ?3, last_run_id = ?4, last_fire_at = ?5, fires = fires + 1,
            revision = revision + 1, updated_at = ?6
        WHERE id = ?1 AND revision = ?2 AND paused = 0
        """
}
