import SwirlCompiler
import SwirlCore
import SwirlExpressions
import SwirlRuntime
import SwirlSyntax
import Testing

/// The run state machine alone: no driver, no store, no clock. Each test feeds it events by
/// hand, with the time given explicitly, and checks the actions it answers with.
@Suite struct RunStateMachineTests {
    /// A machine for one small workflow, its state, and the time of the next event.
    @WorkerActor
    struct Harness {
        let machine: RunStateMachine
        var state: RunState
        var now: Double

        init(_ body: String, input: JSON = [:], now: Double = 1000) throws {
            let text = "document: {dsl: '1.0.3', namespace: t, name: machine, version: '1.0.0'}\n" + body
            let program = try Compiler().compile(try #require(Loader().load(text: text, file: "t.yaml").value))
            // The machine evaluates through one bundle of the workflow's expressions, as a worker's does.
            let bundle = try ExpressionBundle(
                sources: program.expressions.map { ExpressionSource($0.text, scopedVariables: $0.scopedVariables) })
            machine = RunStateMachine(program: program) { id, data, arguments, _ throws(JQError) in
                try bundle.evaluate(id, on: data, arguments: arguments)
            }
            state = RunState(runID: "run-1", input: input, startedAt: now, seed: 7)
            self.now = now
        }

        mutating func handle(_ event: RunStateMachine.Event) -> [RunStateMachine.Action] {
            machine.handle(event, state: &state, now: now)
        }
    }

    // MARK: what the actions say

    static func started(_ actions: [RunStateMachine.Action]) -> [ActivityRequest] {
        actions.compactMap { if case .startActivity(let request) = $0 { request } else { nil } }
    }

    static func cancelled(_ actions: [RunStateMachine.Action]) -> [String] {
        actions.compactMap { if case .cancelActivity(let key) = $0 { key } else { nil } }
    }

    static func reports(_ actions: [RunStateMachine.Action]) -> [TaskEvent] {
        actions.compactMap { if case .task(let event) = $0 { event } else { nil } }
    }

    /// The actions that are not progress reports.
    static func decisions(_ actions: [RunStateMachine.Action]) -> [RunStateMachine.Action] {
        actions.filter { if case .task = $0 { false } else { true } }
    }

    static func isDiscarded(_ actions: [RunStateMachine.Action]) -> Bool {
        if actions.count == 1, case .discarded = actions[0] { true } else { false }
    }

    static func discardReason(_ actions: [RunStateMachine.Action]) -> String? {
        if actions.count == 1, case .discarded(let reason) = actions[0] { reason } else { nil }
    }

    static let twoCalls = """
        do:
          - first: {call: effect, with: {n: '${ .n }'}}
          - second: {call: effect, with: {n: '${ .echo + 1 }'}}
        """

    // MARK: activities

    @Test("start on a workflow with a call asks for the activity, with its request, and parks")
    @WorkerActor func startAsksForTheActivity() throws {
        var run = try Harness(Self.twoCalls, input: ["n": 1])
        let actions = run.handle(.start)
        let request = ActivityRequest(
            key: "/do/0/first#0", kind: "call:effect", arguments: ["n": 1], input: ["n": 1], task: "/do/0/first", runID: "run-1")
        #expect(Self.decisions(actions) == [.startActivity(request), .park(wakeAt: nil, subscription: nil)])
        #expect(Self.reports(actions).contains { $0.kind == .started && $0.task == "/do/0/first" && $0.time == 1000 })
        #expect(run.state.activitiesInFlight == [request])
        #expect(run.state.status == .waiting)
    }

    @Test("completing an activity asks for the next one; completing the last completes the run")
    @WorkerActor func completionsAdvance() throws {
        var run = try Harness(Self.twoCalls, input: ["n": 1])
        _ = run.handle(.start)
        run.now = 1002
        let second = run.handle(.activityCompleted(key: "/do/0/first#0", output: ["echo": 1]))
        let next = try #require(Self.started(second).first)
        #expect(Self.started(second).count == 1)
        #expect(next.key == "/do/1/second#1")
        #expect(next.arguments.value == ["n": 2])
        #expect(Self.cancelled(second).isEmpty)
        #expect(Self.reports(second).contains { $0.kind == .completed(duration: 2) && $0.task == "/do/0/first" && $0.time == 1002 })

        let end = run.handle(.activityCompleted(key: next.key, output: ["done": true]))
        #expect(Self.decisions(end) == [.complete(["done": true])])
        #expect(run.state.status == .completed)
        #expect(run.state.activitiesInFlight.isEmpty)
    }

    @Test("a task timeout that expires while its activity is in flight cancels the activity")
    @WorkerActor func timeoutCancelsTheActivity() throws {
        var run = try Harness(
            """
            do:
              - slow: {call: effect, timeout: {after: PT5S}}
            """)
        let start = run.handle(.start)
        let key = try #require(Self.started(start).first?.key)
        // The task's deadline is what the run waits for, beside the activity.
        #expect(Self.decisions(start).last == .park(wakeAt: 1005, subscription: nil))

        run.now = 1004
        let early = run.handle(.timerFired)
        #expect(Self.cancelled(early).isEmpty, "the timeout has not expired yet")
        #expect(run.state.activitiesInFlight.map(\.key) == [key])

        run.now = 1005
        let expired = run.handle(.timerFired)
        #expect(Self.cancelled(expired) == [key])
        guard case .fault(let error)? = Self.decisions(expired).last else {
            Issue.record("the run did not fault: \(expired)")
            return
        }
        #expect(error.type == WorkflowError.Kind.timeout.type)
        #expect(error.instance == "/do/0/slow")

        // The late result of the cancelled activity is of no use any more.
        #expect(Self.isDiscarded(run.handle(.activityCompleted(key: key, output: [:]))))
    }

    @Test("a result for a key no task waits for is discarded and changes nothing")
    @WorkerActor func unknownKeyIsDiscarded() throws {
        var run = try Harness(Self.twoCalls, input: ["n": 1])
        _ = run.handle(.start)
        let before = run.state
        let completed = run.handle(.activityCompleted(key: "/do/0/first#99", output: [:]))
        #expect(Self.discardReason(completed)?.contains("/do/0/first#99") == true)
        let failed = run.handle(
            .activityFailed(key: "nobody", error: WorkflowError(.communication, title: "late")))
        #expect(Self.isDiscarded(failed))
        #expect(run.state == before)
    }

    @Test("resume on a state loaded from its encoding starts every activity in flight again, with the same keys")
    @WorkerActor func resumeRestartsActivitiesInFlight() throws {
        let fork = """
            do:
              - both:
                  fork:
                    branches:
                      - a: {call: effect, with: {branch: a}}
                      - b: {call: effect, with: {branch: b}}
            """
        var run = try Harness(fork)
        let first = Self.started(run.handle(.start))
        #expect(first.count == 2)

        // A fresh machine (another process) loads the saved state and resumes it.
        var resumed = try Harness(fork)
        resumed.state = try RunStateCoding.decode(RunStateCoding.encode(run.state))
        resumed.now = 1500
        let again = resumed.handle(.resume)
        #expect(Set(Self.started(again)) == Set(first))
        #expect(Self.cancelled(again).isEmpty)
        #expect(resumed.state.nextStep == run.state.nextStep, "resuming asked for no new step")
    }

    // MARK: fork

    @Test("a fork of two calls starts both, and joins their outputs in declaration order")
    @WorkerActor func forkStartsBoth() throws {
        var run = try Harness(
            """
            do:
              - both:
                  fork:
                    branches:
                      - a: {call: effect, with: {branch: a}}
                      - b: {call: effect, with: {branch: b}}
            """)
        let requests = Self.started(run.handle(.start))
        #expect(requests.map(\.task) == ["/do/0/both/fork/branches/0/a", "/do/0/both/fork/branches/1/b"])
        #expect(Set(requests.map(\.key)).count == 2)
        #expect(run.state.fibers.count == 3)

        // b finishes first; the fork still waits for a.
        let halfway = run.handle(.activityCompleted(key: requests[1].key, output: "B"))
        #expect(Self.decisions(halfway) == [.park(wakeAt: nil, subscription: nil)])
        let done = run.handle(.activityCompleted(key: requests[0].key, output: "A"))
        #expect(Self.decisions(done) == [.complete(["A", "B"])])
    }

    @Test("a result that arrives while another branch spends the step budget is not asked for again")
    @WorkerActor func completedActivityIsNotStartedAgain() throws {
        // Branch `first` (the lower fiber) calls, then loops for more than one step budget;
        // branch `second` calls once. When `second`'s result arrives, `first` is still looping
        // and spends the budget before `second` takes its result: its task frame still shows the
        // call, but the call is over and must not be started again.
        var run = try Harness(
            """
            do:
              - both:
                  fork:
                    branches:
                      - first:
                          do:
                            - call1: {call: effect, with: {branch: first}}
                            - spin:
                                for: {in: '${ [range(3000)] }'}
                                do:
                                  - add: {set: {n: '${ $index }'}}
                      - second: {call: effect, with: {branch: second}}
            """)
        let requests = Self.started(run.handle(.start))
        #expect(requests.count == 2)
        let first = run.handle(.activityCompleted(key: requests[0].key, output: "A"))
        #expect(Self.decisions(first).contains(.budgetSpent))
        let second = run.handle(.activityCompleted(key: requests[1].key, output: "B"))
        #expect(Self.decisions(second).contains(.budgetSpent))
        #expect(Self.started(second).isEmpty, "the call that reported was asked for again")
        #expect(Self.cancelled(second).isEmpty)
        // The run goes on to the end, with each branch's output.
        var actions = second
        var turns = 0
        while Self.decisions(actions).contains(.budgetSpent), turns < 100 {
            actions = run.handle(.timerFired)
            #expect(Self.started(actions).isEmpty)
            turns += 1
        }
        guard case .complete(let output)? = Self.decisions(actions).last else {
            Issue.record("the run did not complete: \(Self.decisions(actions))")
            return
        }
        #expect(output.arrayValue?.last == "B")
    }

    @Test("compete: the first branch to finish wins and the loser's activity is cancelled")
    @WorkerActor func competeCancelsTheLoser() throws {
        var run = try Harness(
            """
            do:
              - race:
                  fork:
                    compete: true
                    branches:
                      - slow: {call: effect, with: {branch: slow}}
                      - fast: {call: effect, with: {branch: fast}}
            """)
        let requests = Self.started(run.handle(.start))
        #expect(requests.count == 2)
        let slow = try #require(requests.first { $0.task.hasSuffix("/slow") })
        let fast = try #require(requests.first { $0.task.hasSuffix("/fast") })
        let won = run.handle(.activityCompleted(key: fast.key, output: "fast"))
        #expect(Self.cancelled(won) == [slow.key])
        #expect(Self.decisions(won).last == .complete("fast"))
        #expect(Self.isDiscarded(run.handle(.activityCompleted(key: slow.key, output: "slow"))))
    }

    // MARK: listen

    static let approval = """
        do:
          - approval:
              listen:
                to:
                  any:
                    - with: {type: com.example.approval}
                  until: '${ length >= 2 }'
        """

    static func event(_ type: String, _ data: JSON) -> JSON {
        ["specversion": "1.0", "id": .string("\(type)-\(data.serialized())"), "source": "https://example.com", "type": .string(type), "data": data]
    }

    @Test("a listen parks listening; an event is consumed once, and its sequence offered again is discarded")
    @WorkerActor func listenConsumesOnce() throws {
        var run = try Harness(Self.approval)
        let approval = EventSubscription(filters: [.init(attributes: ["type": "com.example.approval"], decisive: true)])
        #expect(Self.decisions(run.handle(.start)) == [.park(wakeAt: nil, subscription: approval)])

        let first = run.handle(.eventReceived(Self.event("com.example.approval", "yes"), sequence: 3))
        #expect(Self.decisions(first) == [.park(wakeAt: nil, subscription: approval)])
        #expect(run.state.consumedEvents == [3])
        #expect(run.state.eventCursor == 3)

        let again = run.handle(.eventReceived(Self.event("com.example.approval", "yes"), sequence: 3))
        #expect(Self.discardReason(again)?.contains("consumed") == true)
        #expect(run.state.consumedEvents == [3])

        let second = run.handle(.eventReceived(Self.event("com.example.approval", "also"), sequence: 4))
        #expect(Self.decisions(second) == [.complete(["yes", "also"])])
        #expect(run.state.consumedEvents == [3, 4])
    }

    @Test("a parked run's subscription holds the filters its listens still wait on, and says which only it can decide")
    @WorkerActor func subscriptionOfListens() throws {
        func filter(_ attributes: OrderedDictionary<String, JSON>, decisive: Bool = true) -> EventSubscription.Filter {
            EventSubscription.Filter(attributes: attributes, decisive: decisive)
        }
        var run = try Harness(
            """
            do:
              - both:
                  fork:
                    branches:
                      - gather:
                          listen:
                            to:
                              all:
                                - with: {type: com.example.a, source: 'https://example\\.com/.*'}
                                - with: {type: com.example.b, subject: '${ . == "x" }'}
                                - with: {type: com.example.c}
                                  correlate: {order: {from: '${ .data.order }'}}
                      - stream:
                          listen:
                            to:
                              any: []
                              until:
                                one: {with: {type: com.example.stop}}
            """)
        let start = run.handle(.start)
        #expect(
            Self.decisions(start) == [
                .park(
                    wakeAt: nil,
                    subscription: EventSubscription(filters: [
                        filter(["type": "com.example.a", "source": "https://example\\.com/.*"]),
                        filter(["type": "com.example.b"], decisive: false),
                        filter(["type": "com.example.c"], decisive: false),
                        filter([:]), filter(["type": "com.example.stop"]),
                    ]))
            ])
        // The `all` filter an event satisfied drops out; the endless `any` keeps every event.
        let event: JSON = ["specversion": "1.0", "id": "a-1", "source": "https://example.com/orders", "type": "com.example.a", "data": 1]
        let after = run.handle(.eventReceived(event, sequence: 1))
        #expect(
            Self.decisions(after) == [
                .park(
                    wakeAt: nil,
                    subscription: EventSubscription(filters: [
                        filter(["type": "com.example.b"], decisive: false),
                        filter(["type": "com.example.c"], decisive: false),
                        filter([:]), filter(["type": "com.example.stop"]),
                    ]))
            ])
        // The stored form reads back as it was.
        if case .park(_, let subscription?)? = Self.decisions(after).first {
            #expect(EventSubscription(text: subscription.text) == subscription)
        }
        // A listen that is over leaves the subscription.
        let stop = run.handle(.eventReceived(Self.event("com.example.stop", 2), sequence: 2))
        #expect(
            Self.decisions(stop) == [
                .park(
                    wakeAt: nil,
                    subscription: EventSubscription(filters: [
                        filter(["type": "com.example.b"], decisive: false), filter(["type": "com.example.c"], decisive: false),
                    ]))
            ])
    }

    @Test("an event no listen wants is discarded and the listen goes on waiting")
    @WorkerActor func nonMatchingEventIsDiscarded() throws {
        var run = try Harness("do:\n  - wait: {listen: {to: {one: {with: {type: com.example.wanted}}}}}\n")
        _ = run.handle(.start)
        let other = run.handle(.eventReceived(Self.event("com.example.other", 1), sequence: 1))
        #expect(Self.isDiscarded(other))
        #expect(run.state.consumedEvents.isEmpty)
        #expect(run.state.status == .waiting)
        let wanted = run.handle(.eventReceived(Self.event("com.example.wanted", 2), sequence: 2))
        #expect(Self.decisions(wanted) == [.complete([2])])
    }

    @Test("a listen that begins is offered again every event since the run's base: the cursor goes back")
    @WorkerActor func listenResetsTheCursor() throws {
        var run = try Harness(
            """
            do:
              - first: {listen: {to: {one: {with: {type: com.example.a}}}}}
              - second: {listen: {to: {one: {with: {type: com.example.b}}}}}
            """)
        run.state.eventBase = 5
        run.state.eventCursor = 5
        _ = run.handle(.start)
        #expect(run.state.eventCursor == 5)
        // Event 6 (a b) is seen and passed over by the first listen, then event 7 (an a) ends it.
        #expect(Self.isDiscarded(run.handle(.eventReceived(Self.event("com.example.b", 6), sequence: 6))))
        #expect(run.state.eventCursor == 6)
        let next = run.handle(.eventReceived(Self.event("com.example.a", 7), sequence: 7))
        let second = EventSubscription(filters: [.init(attributes: ["type": "com.example.b"], decisive: true)])
        #expect(Self.decisions(next) == [.park(wakeAt: nil, subscription: second)])
        // The second listen began: it must see event 6 again, so the cursor is back at the base.
        #expect(run.state.eventCursor == 5)
        // Offered again from the base: 7 was consumed by the first listen, 6 is what the second wants.
        #expect(Self.discardReason(run.handle(.eventReceived(Self.event("com.example.a", 7), sequence: 7)))?.contains("consumed") == true)
        let done = run.handle(.eventReceived(Self.event("com.example.b", 6), sequence: 6))
        #expect(Self.decisions(done) == [.complete([6])])
        #expect(run.state.consumedEvents == [7, 6])
    }

    // MARK: wait, cancel, end

    @Test("a wait parks until its time, and the timer firing then goes on")
    @WorkerActor func waitParksWithItsTime() throws {
        var run = try Harness("do:\n  - pause: {wait: PT1H}\n  - after: {set: {done: true}}\n", now: 2000)
        let actions = run.handle(.start)
        #expect(Self.decisions(actions) == [.park(wakeAt: 5600, subscription: nil)])
        #expect(Self.reports(actions).contains { $0.kind == .waiting(until: 5600) && $0.task == "/do/0/pause" && $0.time == 2000 })
        run.now = 5599
        #expect(Self.decisions(run.handle(.timerFired)) == [.park(wakeAt: 5600, subscription: nil)])
        run.now = 5600
        #expect(Self.decisions(run.handle(.timerFired)) == [.complete(["done": true])])
    }

    @Test("cancel ends the run cancelled and stops what is in flight")
    @WorkerActor func cancelEndsTheRun() throws {
        var run = try Harness(Self.twoCalls, input: ["n": 1])
        _ = run.handle(.start)
        let actions = run.handle(.cancel)
        #expect(Self.cancelled(actions) == ["/do/0/first#0"])
        #expect(Self.decisions(actions).last == .cancelled)
        #expect(run.state.status == .cancelled)
        #expect(Self.isDiscarded(run.handle(.cancel)))
    }

    @Test("every event for an ended run is discarded")
    @WorkerActor func endedRunDiscardsEvents() throws {
        var run = try Harness("do:\n  - only: {set: {done: true}}\n")
        #expect(Self.decisions(run.handle(.start)) == [.complete(["done": true])])
        let ended = run.state
        #expect(Self.isDiscarded(run.handle(.eventReceived(Self.event("com.example.any", 1), sequence: 1))))
        #expect(Self.isDiscarded(run.handle(.timerFired)))
        #expect(Self.isDiscarded(run.handle(.start)))
        #expect(Self.isDiscarded(run.handle(.resume)))
        #expect(Self.isDiscarded(run.handle(.activityCompleted(key: "x", output: 1))))
        #expect(run.state == ended)
    }
}
