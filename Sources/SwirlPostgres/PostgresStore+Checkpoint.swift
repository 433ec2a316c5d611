import SwirlCore
public import SwirlRuntime

/// The fenced write of a run.
extension PostgresStore {
    /// Saves a checkpoint in one pipelined transaction (one round trip; one more first when it starts child
    /// runs, to check their definitions).
    ///
    /// The pipeline: the event lock (shared when the run stays listening, exclusive when it emitted events),
    /// then one statement that updates the run only where the epoch and owner match and, only then, stores the
    /// new values and history; then, when there are any, the emitted events (nudging listeners), the child runs,
    /// and what an end does to the parent and children. The statements after the first learn whether it matched
    /// from a token it wrote into the row; when it did not, nothing is written and the answer is `leaseLost`.
    ///
    /// If the connection breaks after the pipeline was sent, nobody knows whether it committed. The retry first
    /// looks for the token: found, the first attempt was saved and is not written twice (no history twice);
    /// not found, it was not, and the checkpoint is sent again (an epoch that moved on since then answers
    /// `leaseLost`, truthfully).
    public func checkpoint(_ checkpoint: Checkpoint) async throws -> CheckpointResult {
        try await self.checkpoint(checkpoint, token: Self.makeToken(), retrying: false)
    }

    /// Saves `checkpoint` under `token`; `retrying` makes even the first attempt look for the token first, as a
    /// retry after a lost reply does (for tests of that path).
    func checkpoint(_ checkpoint: Checkpoint, token: String, retrying: Bool) async throws -> CheckpointResult {
        try self.checkLimits(checkpoint)
        if !checkpoint.children.isEmpty {
            try await self.checkDefinitions(of: checkpoint.children)
        }
        let pipeline = self.pipeline(for: checkpoint, token: token)
        let id = checkpoint.lease.runID
        let (saved, control, due) = try await self.perform("saving a checkpoint") {
            connection, attempt -> (Bool, ControlRequest?, Bool) in
            if attempt > 1 || retrying,
                let row = try connection.query(PostgresStatements.savedCheckpoint, [id, token]).first
            {
                return (true, row["control"].flatMap(ControlRequest.init(rawValue:)), true)
            }
            let results = try connection.pipeline(pipeline.items)
            guard let row = results[pipeline.mainIndex].first else {
                return (false, nil, false)
            }
            return (true, row["control"].flatMap(ControlRequest.init(rawValue:)), PGText.bool(row["due"]))
        }
        guard saved else {
            return .leaseLost
        }
        let ended = Self.ends(checkpoint.status)
        if due || !checkpoint.events.isEmpty || !checkpoint.children.isEmpty || ended {
            self.notifications.workIsDue()
        }
        return .saved(control: control)
    }

    private static func ends(_ status: RunStatus) -> Bool {
        status == .completed || status == .faulted || status == .cancelled
    }

    /// The sizes ``StoreLimits`` allows, checked before anything is sent.
    private func checkLimits(_ checkpoint: Checkpoint) throws {
        let stateSize = checkpoint.state.bytes.count + checkpoint.state.newValues.values.reduce(0) { $0 + $1.count }
        if stateSize > self.limits.state {
            throw StoreError.tooLarge("the run's saved state", size: stateSize, limit: self.limits.state)
        }
        if let output = checkpoint.output {
            let size = output.serialized().utf8.count
            if size > self.limits.value {
                throw StoreError.tooLarge("the workflow output", size: size, limit: self.limits.value)
            }
        }
        for event in checkpoint.events {
            let size = event.serialized().utf8.count
            if size > self.limits.event {
                throw StoreError.tooLarge("an emitted event", size: size, limit: self.limits.event)
            }
        }
        for child in checkpoint.children {
            let size = child.input.serialized().utf8.count
            if size > self.limits.value {
                throw StoreError.tooLarge("the run's input", size: size, limit: self.limits.value)
            }
        }
    }

    /// Throws ``StoreError/definitionNotFound(_:)`` for the first child whose definition is not stored.
    /// Definitions are never removed, so the answer still holds when the checkpoint is written.
    private func checkDefinitions(of children: [NewRun]) async throws {
        let hashes = Array(Set(children.map(\.definitionHash)))
        let stored = try await self.perform("checking definitions") { connection, _ in
            Set(try connection.query(PostgresStatements.storedDefinitions, [PGText.array(hashes)]).compactMap { $0["hash"] })
        }
        if let missing = children.first(where: { !stored.contains($0.definitionHash) }) {
            throw StoreError.definitionNotFound(missing.definitionHash)
        }
    }

    private struct Pipeline: Sendable {
        var items: [(statement: PGStatement, parameters: [String?])] = []
        /// The position of the fenced write's result.
        var mainIndex = 0
    }

    private func pipeline(for checkpoint: Checkpoint, token: String) -> Pipeline {
        let lease = checkpoint.lease
        let ended = Self.ends(checkpoint.status)
        let stops = ended || checkpoint.status == .suspended
        let releases = checkpoint.release || stops
        let listening = checkpoint.listening && !ended
        var pipeline = Pipeline()

        let lockKeys = [String(PostgresLocks.namespace), String(self.eventLockKey)]
        if !checkpoint.events.isEmpty {
            pipeline.items.append((PostgresStatements.lockEvents, lockKeys))
        } else if listening {
            pipeline.items.append((PostgresStatements.lockEventsShared, lockKeys))
        }

        let values = checkpoint.state.newValues.sorted { $0.key < $1.key }
        let history = checkpoint.history
        pipeline.mainIndex = pipeline.items.count
        pipeline.items.append(
            (
                PostgresStatements.checkpoint,
                [
                    lease.runID, String(lease.epoch), lease.owner, token,
                    String(decoding: checkpoint.state.bytes, as: UTF8.self),
                    checkpoint.status.rawValue, PGText.bool(listening), PGText.bool(checkpoint.clearsControl),
                    PGText.bool(ended), PGText.bool(releases),
                    ended ? checkpoint.output?.serialized() : nil,
                    ended ? checkpoint.error.map { $0.json.serialized() } : nil,
                    PGText.bool(stops), String(checkpoint.eventCursor), checkpoint.wakeAt.map { String($0) },
                    PGText.array(values.map(\.key)),
                    PGText.array(values.map { String(decoding: $0.value, as: UTF8.self) }),
                    PGText.array(history.map(\.time)), PGText.array(history.map(\.kind)),
                    PGText.array(history.map(\.task)), PGText.array(history.map(\.stepKey)),
                    PGText.array(history.map(\.attempt)), PGText.array(history.map { $0.data?.value.serialized() }),
                ]
            ))

        if !checkpoint.events.isEmpty {
            var seen: Set<[String]> = []
            var events: [(key: (source: String, id: String, type: String?), text: String)] = []
            for event in checkpoint.events {
                let key = Self.eventKey(event)
                if seen.insert([key.source, key.id]).inserted {
                    events.append((key, event.serialized()))
                }
            }
            pipeline.items.append(
                (
                    PostgresStatements.checkpointEvents,
                    [
                        lease.runID, token, PGText.array(events.map(\.key.source)), PGText.array(events.map(\.key.id)),
                        PGText.array(events.map(\.key.type)), PGText.array(events.map(\.text)),
                    ]
                ))
        }

        if !checkpoint.children.isEmpty {
            let children = checkpoint.children
            pipeline.items.append(
                (
                    PostgresStatements.checkpointChildren,
                    [
                        lease.runID, token, PGText.array(children.map(\.id)),
                        PGText.array(children.map(\.definitionHash)),
                        PGText.array(children.map { $0.input.serialized() }),
                        PGText.array(children.map(\.idempotencyKey)), PGText.array(children.map(\.parentID)),
                    ]
                ))
        }

        if ended {
            pipeline.items.append(
                (
                    PostgresStatements.checkpointEnd,
                    [lease.runID, token, PGText.bool(true), PGText.bool(checkpoint.status == .cancelled)]
                ))
        }
        return pipeline
    }

    /// A token no other checkpoint uses: 128 random bits, in hex.
    static func makeToken() -> String {
        String(UInt64.random(in: .min ... .max), radix: 16) + "-" + String(UInt64.random(in: .min ... .max), radix: 16)
    }
}
