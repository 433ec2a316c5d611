import SwirlCompiler
import SwirlCore
import SwirlSyntax
import Testing

@Suite struct SemanticChecksTests {
    /// Stands in for the jq checker so these tests are about the walk: it rejects any
    /// expression containing "!!" (at that offset) and any variable not in scope.
    static let checker: SemanticChecks.ExpressionChecker = { expression, variables in
        let bytes = Array(expression.utf8)
        if let bang = bytes.indices.dropLast().first(where: { bytes[$0] == 0x21 && bytes[$0 + 1] == 0x21 }) {
            return ("unexpected '!!'", bang)
        }
        for word in expression.split(whereSeparator: { !($0.isLetter || $0 == "$" || $0 == "_") }) where word.hasPrefix("$") {
            if !variables.contains(String(word.dropFirst())) { return ("undefined variable \(word)", 0) }
        }
        return nil
    }

    func check(_ yaml: String) throws -> [Diagnostic] {
        let document = Loader().load(text: "document: {dsl: '1.0.3', namespace: t, name: t, version: '1.0.0'}\n" + yaml, file: "t.yaml")
        try #require(document.diagnostics.isEmpty, "\(document.diagnostics)")
        return SemanticChecks(expressionChecker: Self.checker).check(try #require(document.value)).diagnostics
    }

    func summary(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.code) \($0.path?.description ?? "-")" }
    }

    @Test("accepts a clean workflow")
    func clean() throws {
        let diagnostics = try check(
            """
            use:
              errors: {notFound: {type: https://example.com/not-found, status: 404}}
              retries: {again: {delay: PT1S, limit: {attempt: {count: 3}}}}
              timeouts: {short: {after: PT10S}}
            do:
              - start:
                  switch:
                    - big: {when: .n > 10, then: large}
                    - default: {then: small}
              - small:
                  set: {size: small}
                  then: end
              - large:
                  try:
                    - fail: {raise: {error: notFound}}
                  catch:
                    as: failure
                    when: ${ $failure.status == 404 }
                    retry: again
                    do:
                      - record: {set: {error: "${ $failure }"}}
                  timeout: short
              - loop:
                  for: {each: color, in: .colors}
                  while: ${ $color != "stop" }
                  do:
                    - paint: {set: {c: "${ $color }", i: "${ $index }"}}
            """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
    }

    @Test("reports duplicate task names in one list, at the second")
    func duplicateNames() throws {
        let diagnostics = try check("do:\n  - a: {set: {x: 1}}\n  - a: {set: {x: 2}}\n")
        #expect(summary(diagnostics) == ["SWL4001 /do/1/a"])
        #expect(diagnostics[0].part == .key)
        #expect(diagnostics[0].notes.first?.message == "first used at /do/0/a")
    }

    @Test("reports a 'then' target missing from its list, with a suggestion or the other list")
    func flowTargets() throws {
        let typo = try check("do:\n  - first: {set: {}, then: secnd}\n  - second: {set: {}}\n")
        #expect(summary(typo) == ["SWL4002 /do/0/first/then"])
        #expect(typo[0].message == "'then' names \"secnd\", which is not a task of this list; did you mean \"second\"?")

        let otherDepth = try check("do:\n  - outer:\n      do:\n        - inner: {set: {}, then: sibling}\n  - sibling: {set: {}}\n")
        #expect(summary(otherDepth) == ["SWL4002 /do/0/outer/do/0/inner/then"])
        #expect(otherDepth[0].notes.first?.message.hasPrefix("a task of that name is at /do/1/sibling") == true)

        let caseTarget = try check("do:\n  - pick:\n      switch:\n        - one: {when: .a, then: nowhere}\n  - next: {set: {}}\n")
        #expect(summary(caseTarget) == ["SWL4002 /do/0/pick/switch/0/one/then"])
    }

    @Test("reports a second switch case without 'when': only one case may be the default")
    func oneDefaultCase() throws {
        let two = try check(
            "do:\n  - s:\n      switch:\n        - a: {when: .a, then: end}\n        - b: {then: end}\n        - c: {then: exit}\n")
        #expect(summary(two) == ["SWL4010 /do/0/s/switch/2/c"])
        #expect(two[0].part == .key)
        #expect(
            two[0].message
                == "switch case \"c\" has no 'when', but case \"b\" is already the default; only one case may leave out 'when'")
        #expect(two[0].notes.first?.message == "the default case is at /do/0/s/switch/1/b")

        let three = try check("do:\n  - s:\n      switch:\n        - a: {then: end}\n        - b: {then: end}\n        - c: {then: end}\n")
        #expect(summary(three) == ["SWL4010 /do/0/s/switch/1/b", "SWL4010 /do/0/s/switch/2/c"])

        let one = try check("do:\n  - s:\n      switch:\n        - a: {when: .a, then: end}\n        - b: {then: end}\n")
        #expect(one.isEmpty)
    }

    @Test("reports a call with '@' that is not name:version@catalog")
    func catalogCallFormat() throws {
        for call in ["fn@shared", ":1.0.0@shared", "fn:@shared", "fn:1.0.0@"] {
            let diagnostics = try check("use: {catalogs: {shared: {endpoint: https://example.com/catalog}}}\ndo:\n  - a: {call: '\(call)'}\n")
            #expect(summary(diagnostics) == ["SWL4011 /do/0/a/call"], "\(call)")
        }
        let diagnostic = try #require(try check("do:\n  - a: {call: fn@default}\n").first)
        #expect(
            diagnostic.message
                == "\"fn@default\" is not a cataloged function: a function from a catalog is called as name:version@catalog")
        let valid = try check("use: {catalogs: {shared: {endpoint: https://example.com/catalog}}}\ndo:\n  - a: {call: 'fn:1.0.0@shared'}\n  - b: {call: 'fn:1.0.0@default'}\n")
        #expect(valid.isEmpty)
    }

    @Test("checks an mcp call's timeout as a duration and its HTTP endpoint as a URI template")
    func mcpCall() throws {
        let diagnostics = try check(
            """
            do:
              - a:
                  call: mcp
                  with:
                    method: tools/list
                    timeout: P1M
                    transport: {http: {endpoint: 'https://example.com/{mcp'}}
              - b:
                  call: mcp
                  with: {method: tools/list, timeout: {seconds: 30}, transport: {http: {endpoint: {uri: 'https://example.com/mcp'}}}}
            """)
        #expect(summary(diagnostics) == ["SWL4008 /do/0/a/with/transport/http/endpoint", "SWL4006 /do/0/a/with/timeout"])
    }

    @Test("checks an a2a call's agent card endpoint and server as URI templates")
    func a2aCall() throws {
        let diagnostics = try check(
            """
            do:
              - a:
                  call: a2a
                  with: {method: tasks/get, agentCard: {endpoint: 'https://example.com/{card'}}
              - b:
                  call: a2a
                  with: {method: tasks/get, server: {uri: 'https://example.com/{a2a'}}
              - c:
                  call: a2a
                  with: {method: tasks/get, server: 'https://example.com/a2a'}
            """)
        #expect(summary(diagnostics) == ["SWL4008 /do/0/a/with/agentCard/endpoint", "SWL4008 /do/1/b/with/server/uri"])
    }

    @Test("warns about tasks nothing flows to, following jumps, switches, raises and skips")
    func reachability() throws {
        let afterEnd = try check("do:\n  - a: {set: {}, then: end}\n  - b: {set: {}}\n")
        #expect(summary(afterEnd) == ["SWL4003 /do/1/b"])
        #expect(afterEnd[0].severity == .warning)
        #expect(afterEnd[0].part == .key)

        let jumpOver = try check("do:\n  - a: {set: {}, then: c}\n  - b: {set: {}}\n  - c: {set: {}, then: a}\n")
        #expect(summary(jumpOver) == ["SWL4003 /do/1/b"])

        let afterRaise = try check("do:\n  - a: {raise: {error: {type: x, status: 400}}}\n  - b: {set: {}}\n")
        #expect(summary(afterRaise) == ["SWL4003 /do/1/b"])

        let skippable = try check("do:\n  - a: {if: .x, set: {}, then: end}\n  - b: {set: {}}\n")
        #expect(skippable.isEmpty)

        let switchDefault = try check(
            "do:\n  - s:\n      switch:\n        - x: {when: .x, then: c}\n        - other: {then: c}\n      then: b\n  - b: {set: {}}\n  - c: {set: {}}\n")
        #expect(summary(switchDefault) == ["SWL4003 /do/1/b"])

        let switchNoDefault = try check(
            "do:\n  - s:\n      switch:\n        - x: {when: .x, then: c}\n  - b: {set: {}}\n  - c: {set: {}}\n")
        #expect(switchNoDefault.isEmpty)
    }

    @Test("reports references to use sections that do not exist")
    func references() throws {
        let diagnostics = try check(
            """
            use:
              errors: {notFound: {type: x, status: 404}}
              secrets: [apiKey]
            do:
              - a: {raise: {error: notFund}}
              - b:
                  try:
                    - c: {call: lookup}
                  catch: {retry: often}
              - d:
                  call: http
                  with:
                    method: get
                    endpoint: {uri: https://example.com, authentication: {use: partner}}
              - e:
                  call: http
                  with:
                    method: get
                    endpoint: {uri: https://example.com, authentication: {bearer: {use: apiKye}}}
                  timeout: quick
              - f: {call: "fn:1.0.0@myCatalog"}
              - g: {call: "fn:1.0.0@default"}
            """)
        let references = diagnostics.filter { $0.code == CompilerDiagnostics.undefinedReferenceCode }
        #expect(
            references.map { $0.path?.description ?? "" }.sorted() == [
                "/do/0/a/raise/error", "/do/1/b/catch/retry", "/do/1/b/try/0/c/call",
                "/do/2/d/with/endpoint/authentication/use", "/do/3/e/timeout",
                "/do/3/e/with/endpoint/authentication/bearer/use", "/do/4/f/call",
            ])
        #expect(references.contains { $0.message == "error \"notFund\" is not defined in use.errors; did you mean \"notFound\"?" })
        #expect(references.contains { $0.message == "secret \"apiKye\" is not defined in use.secrets; did you mean \"apiKey\"?" })
    }

    @Test("checks every expression with the variables in scope where it is")
    func expressions() throws {
        let diagnostics = try check(
            """
            input: {from: .a !! .b}
            do:
              - a:
                  if: ${ $item }
                  set: {x: "${ . !! 1 }", y: "literal !! text"}
              - b:
                  for: {in: .list, each: pet}
                  do:
                    - c: {set: {p: "${ $pet }", q: "${ $index }", r: "${ $item }"}}
              - d:
                  try: [{e: {set: {}}}]
                  catch:
                    when: $err
                    do: [{f: {set: {e: "${ $error }"}}}]
            """)
        // The sites come in the compiler's order; what matters is which are reported.
        #expect(
            summary(diagnostics).sorted() == [
                "SWL3001 /do/0/a/if", "SWL3001 /do/0/a/set/x", "SWL3001 /do/1/b/do/0/c/set/r",
                "SWL3001 /do/2/d/catch/when", "SWL3001 /input/from",
            ])
        let bang = try #require(diagnostics.first { $0.path == "/do/0/a/set/x" })
        #expect(bang.message == "invalid jq expression: unexpected '!!'")
        #expect(bang.notes.first?.message == "in the expression: . !! 1")
    }

    @Test("checks a named retry policy in the scope of each catch that uses it")
    func namedRetryScope() throws {
        let diagnostics = try check(
            """
            use:
              retries:
                byName: {when: '${ $failure.status == 503 }'}
                byDefault: {when: '${ $error.status == 503 }'}
                unused: {exceptWhen: '${ $error.status == 400 }'}
            do:
              - a:
                  try: [{t: {set: {}}}]
                  catch: {as: failure, retry: byName}
              - b:
                  try: [{t: {set: {}}}]
                  catch: {retry: byDefault}
              - c:
                  try: [{t: {set: {}}}]
                  catch: {as: oops, retry: byDefault}
              - d:
                  try: [{t: {set: {}}}]
                  catch: {as: oops, retry: byDefault}
            """)
        // Used twice with $oops: reported once, with the place whose scope it was checked in.
        #expect(summary(diagnostics) == ["SWL3001 /use/retries/byDefault/when"])
        #expect(diagnostics.first?.message == "invalid jq expression: undefined variable $error")
        #expect(
            diagnostics.first?.notes.map(\.message).last == "checked as used at /do/2/c/catch, where $oops is in scope")
    }

    @Test("checks a named error in the scope of each raise that uses it")
    func namedErrorScope() throws {
        let inLoop = try check(
            """
            use: {errors: {bad: {type: https://e.io/bad, status: 400, detail: '${ $item }'}}}
            do:
              - loop: {for: {in: .list}, do: [{fail: {raise: {error: bad}}}]}
            """)
        #expect(inLoop.isEmpty)
        let outside = try check(
            """
            use: {errors: {bad: {type: https://e.io/bad, status: 400, detail: '${ $item }'}}}
            do:
              - loop: {for: {in: .list}, do: [{fail: {raise: {error: bad}}}]}
              - again: {raise: {error: bad}}
            """)
        #expect(summary(outside) == ["SWL3001 /use/errors/bad/detail"])
    }

    @Test("checks what no run evaluates too: unused functions, extensions, schedules, authentications")
    func unevaluatedSites() throws {
        let diagnostics = try check(
            """
            schedule: {every: '${ . !! 1 }'}
            use:
              functions: {f: {set: {x: '${ . !! 1 }'}}}
              authentications: {a: {bearer: {token: '${ . !! 1 }'}}}
              extensions: [{e: {extend: all, when: '. !! 1'}}]
              timeouts: {t: {after: '${ . !! 1 }'}}
            do: [{a: {set: {}}}]
            """)
        #expect(
            summary(diagnostics).sorted() == [
                "SWL3001 /schedule/every", "SWL3001 /use/authentications/a/bearer/token",
                "SWL3001 /use/extensions/0/e/when", "SWL3001 /use/functions/f/set/x", "SWL3001 /use/timeouts/t/after",
            ])
    }

    @Test("reports where inside the value an expression problem is")
    func expressionOffsets() throws {
        let document = Loader().load(text: "do:\n  - a: {set: {x: \"${  .a !! 1 }\"}}\n", file: "t.yaml")
        let result = SemanticChecks(expressionChecker: Self.checker).check(try #require(document.value))
        let problem = try #require(result.expressionProblems[0])
        #expect(problem.offsetInValue == 7)
    }

    @Test("checks durations, cron, URI templates and the DSL version")
    func formats() throws {
        let diagnostics = try check(
            """
            schedule: {cron: '61 * * * *'}
            timeout: {after: P1M}
            do:
              - a: {wait: PT5X}
              - b: {call: http, with: {method: get, endpoint: 'https://example.com/{id'}}
              - c: {wait: '${ .delay }'}
            """)
        #expect(
            summary(diagnostics) == ["SWL4006 /timeout/after", "SWL4007 /schedule/cron", "SWL4005 /do/0/a/wait", "SWL4008 /do/1/b/with/endpoint"])
        let version = Loader().load(text: "document: {dsl: '2.0.0', namespace: t, name: t, version: '1'}\ndo: []\n", file: "t.yaml")
        let versionDiagnostics = SemanticChecks(expressionChecker: Self.checker).check(try #require(version.value)).diagnostics
        #expect(summary(versionDiagnostics) == ["SWL4009 /document/dsl"])
    }

    @Test("says months are not allowed in P30M and suggests the minutes of PT30M")
    func monthsForMinutes() throws {
        let diagnostics = try check("timeout: {after: P30M}\ndo:\n  - a: {wait: P1DT1H}\n  - b: {wait: P90M}\n  - c: {wait: P1Y}\n")
        #expect(summary(diagnostics) == ["SWL4006 /timeout/after", "SWL4006 /do/1/b/wait", "SWL4006 /do/2/c/wait"])
        #expect(
            diagnostics[0].message
                == "duration \"P30M\" is 30 months, and months are not allowed (they have no fixed length); did you mean \"PT30M\", 30 minutes?")
        #expect(diagnostics[1].message.hasSuffix("did you mean \"PT90M\", 90 minutes?"))
        #expect(!diagnostics[2].message.contains("did you mean"))
    }

    @Test("suggests the loop's own variable for $item or $index where each or at renamed it")
    func renamedLoopVariables() throws {
        let diagnostics = try check(
            """
            do:
              - loop:
                  for: {each: color, at: position, in: .colors}
                  do:
                    - a: {set: {c: '${ $item }', i: '${ $index }'}}
              - plain:
                  for: {in: .colors}
                  do:
                    - b: {set: {c: '${ $thing }'}}
            """)
        #expect(summary(diagnostics) == ["SWL3001 /do/0/loop/do/0/a/set/c", "SWL3001 /do/0/loop/do/0/a/set/i", "SWL3001 /do/1/plain/do/0/b/set/c"])
        #expect(diagnostics[0].notes.last?.message == "this loop's for.each names the item \"color\": write $color instead of $item")
        #expect(diagnostics[1].notes.last?.message == "this loop's for.at names the index \"position\": write $position instead of $index")
        #expect(diagnostics[2].notes.count == 1)
    }

    @Test("warns about partial interpolation in strict mode only")
    func partialInterpolation() throws {
        let strict = try check("do:\n  - a: {set: {greeting: 'Hello ${ .name }'}}\n")
        #expect(summary(strict) == ["SWL3003 /do/0/a/set/greeting"])
        #expect(strict[0].severity == .warning)
        let loose = try check("evaluate: {mode: loose}\ndo:\n  - a: {set: {greeting: 'Hello ${ .name }'}}\n")
        #expect(loose.isEmpty)
    }
}
