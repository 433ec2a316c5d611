public import SwirlCore
import Foundation

/// When a scheduled workflow starts a run: the document's `schedule`, in the form stores keep.
///
/// Times are UTC. `every` fires at fixed intervals from its registration, whether or not the previous run has
/// ended; `cron` at the times its expression matches; `after` once at registration, then again the given time
/// after each run has ended; `on` for each event (or set of events) its strategy matches (``ScheduleEvents``).
public enum ScheduleTrigger: Hashable, Sendable {
    case every(seconds: Double)
    case cron(String)
    case after(seconds: Double)
    case on(ScheduleEvents)

    /// `every`, `cron`, `after` or `on`: the column stores keep.
    public var kind: String {
        switch self {
        case .every: "every"
        case .cron: "cron"
        case .after: "after"
        case .on: "on"
        }
    }

    /// The interval of `every` and `after`.
    public var seconds: Double? {
        switch self {
        case .every(let seconds), .after(let seconds): seconds
        case .cron, .on: nil
        }
    }

    /// The strategy of `on`.
    public var events: ScheduleEvents? {
        if case .on(let events) = self { return events }
        return nil
    }

    /// The expression of `cron`.
    public var cron: String? {
        if case .cron(let text) = self { return text }
        return nil
    }

    /// The trigger stores wrote as `kind`, `seconds`, `cron` and `events` (the strategy of `on`, JSON text), or
    /// `nil` when they make none.
    public init?(kind: String, seconds: Double?, cron: String?, events: String? = nil) {
        switch (kind, seconds, cron) {
        case ("every", let seconds?, _) where seconds > 0: self = .every(seconds: seconds)
        case ("after", let seconds?, _) where seconds >= 0: self = .after(seconds: seconds)
        case ("cron", _, let text?) where (try? CronExpression(parsing: text)) != nil: self = .cron(text)
        case ("on", _, _):
            guard let text = events, let strategy = try? JSON(parsing: text), let parsed = try? ScheduleEvents(strategy) else {
                return nil
            }
            self = .on(parsed)
        default: return nil
        }
    }

    /// Why a document's `schedule` cannot be registered.
    public struct Unsupported: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The trigger of a validated document's `schedule` object; `nil` when the document has none.
    /// - Throws: ``Unsupported`` for a duration in months or years, one of zero length, or a `schedule.on`
    ///   strategy ``ScheduleEvents`` cannot match.
    public init?(document: JSON) throws(Unsupported) {
        guard let schedule = document["schedule"]?.objectValue else { return nil }
        if let text = schedule["cron"]?.stringValue {
            guard (try? CronExpression(parsing: text)) != nil else {
                throw Unsupported(description: "schedule.cron \(JSON.quote(text)) is not a cron expression")
            }
            self = .cron(text)
            return
        }
        for key in ["every", "after"] {
            guard let value = schedule[key] else { continue }
            guard let seconds = ISO8601Duration.seconds(of: value), seconds.isFinite else {
                throw Unsupported(description: "schedule.\(key) must be a duration of fixed length (no months or years)")
            }
            if key == "every" {
                guard seconds > 0 else { throw Unsupported(description: "schedule.every must be longer than zero") }
                self = .every(seconds: seconds)
            } else {
                self = .after(seconds: seconds)
            }
            return
        }
        if let on = schedule["on"] {
            self = .on(try ScheduleEvents(on))
            return
        }
        return nil
    }
}

/// A schedule to register: a stored definition, its trigger, and the input of every run it starts.
public struct NewSchedule: Hashable, Sendable {
    public var definitionHash: String
    public var trigger: ScheduleTrigger
    public var input: JSON

    public init(definitionHash: String, trigger: ScheduleTrigger, input: JSON = [:]) {
        self.definitionHash = definitionHash
        self.trigger = trigger
        self.input = input
    }
}

/// A registered schedule, as people see it.
public struct ScheduleRecord: Hashable, Sendable {
    /// A new id for each registration.
    public var id: String
    public var definition: DefinitionRecord.Reference
    public var trigger: ScheduleTrigger
    public var input: JSON
    public var paused: Bool
    /// When `every` or `cron` fires next, or `after` fires first; `nil` once `after` has fired.
    public var nextFireAt: Double?
    /// The run started most recently, and the fire time it was started for.
    public var lastRunID: String?
    public var lastFireAt: Double?
    /// Runs started.
    public var fires: Int
    public var createdAt: Double
    /// When it is due next, considering the last run (`after`): `nil` while that run goes on.
    public var dueAt: Double?
    /// Bumped by every change: ``Store/advanceEventSchedule(id:revision:cursor:progress:runs:)`` writes only
    /// where it is still the one read.
    public var revision: Int64
    /// `on`: the sequence number of the last stored event the schedule has looked at, and how far an `all`
    /// strategy has got (``ScheduleEvents/encode(_:)``).
    public var eventCursor: Int64
    public var eventProgress: String?

    public init(
        id: String, definition: DefinitionRecord.Reference, trigger: ScheduleTrigger, input: JSON, paused: Bool,
        nextFireAt: Double?, lastRunID: String?, lastFireAt: Double?, fires: Int, createdAt: Double, dueAt: Double?,
        revision: Int64 = 0, eventCursor: Int64 = 0, eventProgress: String? = nil
    ) {
        self.revision = revision
        self.eventCursor = eventCursor
        self.eventProgress = eventProgress
        self.id = id
        self.definition = definition
        self.trigger = trigger
        self.input = input
        self.paused = paused
        self.nextFireAt = nextFireAt
        self.lastRunID = lastRunID
        self.lastFireAt = lastFireAt
        self.fires = fires
        self.createdAt = createdAt
        self.dueAt = dueAt
    }
}

/// A run a schedule started, from ``Store/fireSchedules(asOf:limit:)``.
public struct ScheduledRun: Hashable, Sendable {
    public var scheduleID: String
    public var runID: String
    /// The fire time the run is for (the latest one missed, after downtime).
    public var fireAt: Double

    public init(scheduleID: String, runID: String, fireAt: Double) {
        self.scheduleID = scheduleID
        self.runID = runID
        self.fireAt = fireAt
    }
}

/// The rules every store applies to schedules, in one place: when a schedule is due, which fire time a firing
/// is for, and when it fires next.
public enum ScheduleTiming {
    /// What became of a schedule's last run, as far as `after` cares.
    public enum LastRun: Hashable, Sendable {
        /// The schedule has started none.
        case none
        case going
        case ended(at: Double)
        /// The run is gone from the store: counted as ended at its fire time.
        case missing
    }

    /// The first fire time of a schedule registered at `now`: `every` one interval later, `cron` its next
    /// match, `after` at once. `nil` for a cron expression that never matches, and for `on` (events fire it).
    public static func firstFire(_ trigger: ScheduleTrigger, now: Double) -> Double? {
        switch trigger {
        case .every(let seconds): now + seconds
        case .cron(let text): (try? CronExpression(parsing: text))?.nextFire(after: now)
        case .after: now
        case .on: nil
        }
    }

    /// When the schedule is due: its next fire time, or, for `after` once it has started a run, that run's end
    /// plus the interval (`nil` while the run goes on).
    public static func dueAt(
        _ trigger: ScheduleTrigger, nextFireAt: Double?, lastFireAt: Double?, lastRun: LastRun
    ) -> Double? {
        guard case .after(let seconds) = trigger else { return nextFireAt }
        switch lastRun {
        case .none: return nextFireAt
        case .going: return nil
        case .ended(let end): return end + seconds
        case .missing: return lastFireAt.map { $0 + seconds }
        }
    }

    /// A firing at `asOf`: the fire time the run is for and the schedule's next fire time; `nil` when it is not
    /// due. However many fire times were missed (the store was down, no worker ran), the run is for the latest
    /// of them, and the next fire time is the first one after `asOf`: one catch-up run, not one per missed time.
    public static func fire(
        _ trigger: ScheduleTrigger, nextFireAt: Double?, lastFireAt: Double?, lastRun: LastRun, asOf: Double
    ) -> (fireAt: Double, next: Double?)? {
        guard let due = dueAt(trigger, nextFireAt: nextFireAt, lastFireAt: lastFireAt, lastRun: lastRun), due <= asOf
        else { return nil }
        switch trigger {
        case .every(let seconds):
            var fireAt = due + ((asOf - due) / seconds).rounded(.down) * seconds
            if fireAt > asOf { fireAt -= seconds }
            return (max(fireAt, due), max(fireAt, due) + seconds)
        case .cron(let text):
            guard let cron = try? CronExpression(parsing: text) else { return nil }
            let fireAt = cron.lastFire(from: due, through: asOf) ?? due
            return (fireAt, cron.nextFire(after: asOf))
        case .after:
            return (due, nil)
        case .on:
            return nil
        }
    }

    /// The next fire time of a paused schedule resumed at `now`: the fire times missed while it was paused are
    /// skipped, not caught up.
    public static func resumed(_ trigger: ScheduleTrigger, nextFireAt: Double?, now: Double) -> Double? {
        guard let next = nextFireAt, next < now else { return nextFireAt }
        switch trigger {
        case .every(let seconds): return next + ((now - next) / seconds).rounded(.up) * seconds
        case .cron(let text): return (try? CronExpression(parsing: text))?.nextFire(after: now)
        case .after, .on: return next
        }
    }

    /// The idempotency key of the run a schedule starts for a fire time: the same for every worker that fires it.
    public static func idempotencyKey(scheduleID: String, fireAt: Double) -> String {
        "schedule:\(scheduleID):\(Int64((fireAt * 1000).rounded()))"
    }

    /// The idempotency key of the run an `on` schedule starts for the event with sequence number `sequence` (the
    /// last of its triggering events).
    public static func idempotencyKey(scheduleID: String, eventSequence sequence: Int64) -> String {
        "schedule:\(scheduleID):event:\(sequence)"
    }

    /// A new schedule id.
    public static func newID() -> String {
        "sch-" + UUID().uuidString.lowercased()
    }
}
