import SwirlCore
import SwirlSyntax
import Testing

@Suite struct LoaderTests {
    let loader = Loader()

    func load(_ text: String, file: String = "w.yaml") -> LoadedDocument {
        loader.load(text: text, file: file)
    }

    func position(_ line: Int, _ column: Int) -> SourcePosition {
        SourcePosition(line: line, column: column)
    }

    // MARK: values

    @Test("loads a workflow-shaped document with typed scalars")
    func loadsWorkflow() throws {
        let document = load(
            """
            document:
              dsl: '1.0.3'
              namespace: examples
              name: greet
              version: 0.1.0
            do:
              - greet:
                  set:
                    message: Hello
                    count: 3
                    ratio: 0.5
                    ok: true
                    nothing: ~
            """)
        #expect(document.diagnostics.isEmpty)
        let value = try #require(document.value)
        #expect(value["document"]?["dsl"] == "1.0.3")
        #expect(value["document"]?["version"] == "0.1.0")
        #expect(
            value["do"]?[0]?["greet"]?["set"] == ["message": "Hello", "count": 3, "ratio": 0.5, "ok": true, "nothing": nil])
        #expect(Array(try #require(value.objectValue).keys) == ["document", "do"])
    }

    @Test("keeps keys as strings: on, yes, 200 and null stay the text written")
    func keysAreStrings() throws {
        let document = load("on: 1\nyes: no\n200: ok\nnull: x\n1.0: y\n'quoted': z\n")
        #expect(document.diagnostics.isEmpty)
        #expect(document.value == ["on": 1, "yes": "no", "200": "ok", "null": "x", "1.0": "y", "quoted": "z"])
    }

    @Test("keeps quoted and block scalars as strings")
    func quotedScalars() {
        let document = load("a: 'true'\nb: \"12\"\nc: |\n  null\nd: >-\n  1.5\ne: !!str 7\nf: ! 8\n")
        #expect(document.value == ["a": "true", "b": "12", "c": "null\n", "d": "1.5", "e": "7", "f": "8"])
    }

    @Test("honours the core tags")
    func coreTags() {
        let document = load("a: !!int '12'\nb: !!float '1'\nc: !!bool 'true'\nd: !!null ''\ne: !!map {x: 1}\nf: !!seq [1]\n")
        #expect(document.diagnostics.isEmpty)
        #expect(document.value == ["a": 12, "b": 1, "c": true, "d": nil, "e": ["x": 1], "f": [1]])
    }

    @Test("resolves anchors and aliases")
    func anchorsAndAliases() {
        let document = load(
            """
            defaults: &retry
              delay: PT1S
              limit: 3
            first: *retry
            list: [&one 1, *one]
            *one : aliased key
            """)
        #expect(document.diagnostics.isEmpty)
        #expect(
            document.value == [
                "defaults": ["delay": "PT1S", "limit": 3], "first": ["delay": "PT1S", "limit": 3], "list": [1, 1],
                "1": "aliased key",
            ])
    }

    @Test("reads JSON files with the JSON parser, positions included")
    func jsonFiles() {
        let document = load("{\n  \"do\": [\n    {\"a\": {\"set\": {}}}\n  ]\n}\n", file: "w.json")
        #expect(document.diagnostics.isEmpty)
        #expect(document.value == ["do": [["a": ["set": [:]]]]])
        #expect(document.sourceMap.exactPosition(of: "/do/0/a", .key) == position(3, 6))
        #expect(document.sourceMap.location(of: "/do/0/a/set")?.description == "w.json:3:19")
    }

    @Test("records where keys and values end: scalars, flow collections at their bracket, block ones at their last value")
    func endPositions() throws {
        let document = load(
            """
            name: 'quoted'
            flow: {a: 1, b: [x, y]}
            block:
              first: one
              last:
                - deep
            tail: 7
            """)
        #expect(document.diagnostics.isEmpty)
        func end(_ pointer: JSONPointer, _ part: SourceMap.Part = .value) -> SourcePosition? {
            document.sourceMap.location(of: pointer, part)?.end
        }
        #expect(end("/name") == position(1, 15))
        #expect(end("/name", .key) == position(1, 5))
        #expect(end("/flow") == position(2, 24))
        #expect(end("/flow/b") == position(2, 23))
        #expect(end("/flow/b/1") == position(2, 22))
        #expect(end("/block") == position(6, 11))
        #expect(end("/block/last") == position(6, 11))
        #expect(end("/tail") == position(7, 8))
        // A pointer the map does not have borrows an ancestor's start, never an end.
        #expect(document.sourceMap.location(of: "/block/missing")?.end == nil)

        let json = load("{\"a\": {\"b\": [1, 22]},\n \"c\": \"text\"}", file: "w.json")
        #expect(json.sourceMap.location(of: "/a")?.end == position(1, 21))
        #expect(json.sourceMap.location(of: "/a/b/1")?.end == position(1, 19))
        #expect(json.sourceMap.location(of: "/c", .key)?.end == position(2, 5))
        #expect(json.sourceMap.location(of: "/c")?.end == position(2, 13))
    }

    @Test("accepts a leading byte-order mark and CRLF line ends")
    func bomAndCRLF() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a: 1\r\nb:\r\n  c: 2\r\n".utf8)
        let document = loader.load(bytes: bytes, file: "w.yaml")
        #expect(document.diagnostics.isEmpty)
        #expect(document.value == ["a": 1, "b": ["c": 2]])
        #expect(document.sourceMap.exactPosition(of: "/b/c", .key) == position(3, 3))
    }

    // MARK: positions

    @Test("records positions of keys and values in block mappings")
    func blockMappingPositions() {
        let map = load("document:\n  name: hello\n  version:   '1.0'\n").sourceMap
        #expect(map.exactPosition(of: "/document", .key) == position(1, 1))
        #expect(map.exactPosition(of: "/document") == position(2, 3))
        #expect(map.exactPosition(of: "/document/name", .key) == position(2, 3))
        #expect(map.exactPosition(of: "/document/name") == position(2, 9))
        #expect(map.exactPosition(of: "/document/version") == position(3, 14))
    }

    @Test("records positions in flow mappings and sequences")
    func flowPositions() {
        let map = load("a: {b: 1, c: [x, {d: y}]}\n").sourceMap
        #expect(map.exactPosition(of: "/a") == position(1, 4))
        #expect(map.exactPosition(of: "/a/b", .key) == position(1, 5))
        #expect(map.exactPosition(of: "/a/c") == position(1, 14))
        #expect(map.exactPosition(of: "/a/c/0") == position(1, 15))
        #expect(map.exactPosition(of: "/a/c/1/d", .key) == position(1, 19))
        #expect(map.exactPosition(of: "/a/c/1/d") == position(1, 22))
    }

    @Test("records positions in nested lists of maps, the shape of do lists")
    func doListPositions() {
        let text = """
            do:
              - first:
                  set:
                    a: 1
              - second:
                  wait: PT1S
            """
        let map = load(text).sourceMap
        #expect(map.exactPosition(of: "/do") == position(2, 3))
        #expect(map.exactPosition(of: "/do/0") == position(2, 5))
        #expect(map.exactPosition(of: "/do/0/first", .key) == position(2, 5))
        #expect(map.exactPosition(of: "/do/0/first/set/a") == position(4, 12))
        #expect(map.exactPosition(of: "/do/1/second", .key) == position(5, 5))
        #expect(map.exactPosition(of: "/do/1/second/wait") == position(6, 13))
    }

    @Test("records the start of multi-line scalars, and counts columns in Unicode scalars")
    func multiLineScalars() {
        let text = """
            script: |
              echo one
              echo two
            folded: >
              a
              b
            plain: first
              continued
            ü: 😀x
            """
        let document = load(text)
        #expect(document.value?["plain"] == "first continued")
        #expect(document.value?["folded"] == "a b\n")
        let map = document.sourceMap
        #expect(map.exactPosition(of: "/script") == position(1, 9))
        #expect(map.exactPosition(of: "/folded") == position(4, 9))
        #expect(map.exactPosition(of: "/plain") == position(7, 8))
        #expect(map.exactPosition(of: "/ü") == position(9, 4))
    }

    @Test("points into aliased values at the alias")
    func aliasPositions() {
        let map = load("a: &x {b: 1}\nc: *x\n").sourceMap
        #expect(map.position(of: "/c/b") == position(2, 4))
    }

    // MARK: diagnostics

    func only(_ document: LoadedDocument) throws -> Diagnostic {
        try #require(document.diagnostics.count == 1, "\(document.diagnostics)")
        return document.diagnostics[0]
    }

    @Test("reports a YAML syntax error with libyaml's problem, position and context")
    func syntaxError() throws {
        let diagnostic = try only(load("a:\n  b: 1\n c: 2\n"))
        #expect(diagnostic.code == SyntaxDiagnostics.yamlSyntaxCode)
        #expect(diagnostic.location?.description == "w.yaml:3:2")
        #expect(diagnostic.message == "YAML syntax error: did not find expected key")
        #expect(diagnostic.notes.first?.location?.description == "w.yaml:1:1")
        #expect(diagnostic.notes.first?.message == "while parsing a block mapping that starts here")

        let unclosed = try only(load("a: [1, 2\nb: 3\n"))
        #expect(unclosed.code == SyntaxDiagnostics.yamlSyntaxCode)
        #expect(unclosed.location?.description == "w.yaml:1:4")

        let tab = try only(load("a:\n\tb: 1\n"))
        #expect(tab.code == SyntaxDiagnostics.yamlSyntaxCode)
        #expect(tab.location?.description == "w.yaml:2:1")
    }

    @Test("reports an unclosed '{' or '[' at the bracket, with where the parser gave up as a note")
    func unclosedFlowCollection() throws {
        // The mistake is on line 3; libyaml only gives up at the end of the file.
        let mapping = try only(
            load("do:\n  - a:\n      set: {x: 1, y: 2\n  - b:\n      set:\n        z: 3\n  - c:\n      wait: PT1S\n"))
        #expect(mapping.code == SyntaxDiagnostics.yamlSyntaxCode)
        #expect(mapping.location?.description == "w.yaml:3:12")
        #expect(mapping.message == "YAML syntax error: this '{' starts a flow mapping that is never closed with '}'")
        let gaveUp = try #require(mapping.notes.first)
        #expect(gaveUp.message.hasPrefix("the YAML parser gave up here: "))
        #expect((gaveUp.location?.line ?? 0) > 3)

        // The innermost unclosed bracket is the one reported; closed ones around and inside it are not.
        let sequence = try only(load("a: {b: [1, {c: 2}, 3\nd: 4}\ne: 5\n"))
        #expect(sequence.location?.description == "w.yaml:1:8")
        #expect(sequence.message == "YAML syntax error: this '[' starts a flow sequence that is never closed with ']'")

        // Brackets inside quotes and comments do not close anything.
        let quoted = try only(load("a: {b: '}', c: \"]}\" # }\nd: 1\n"))
        #expect(quoted.location?.description == "w.yaml:1:4")

        // A mistake inside a collection that is closed keeps libyaml's own position.
        let closed = try only(load("a: {b: 1\n  c: 2}\n"))
        #expect(closed.location?.line == 2)
        #expect(closed.message != "YAML syntax error: this '{' starts a flow mapping that is never closed with '}'")
    }

    @Test("suggests quoting an unquoted ${ … } that YAML read as its own syntax")
    func unquotedExpression() throws {
        let unquoted = try only(load("do:\n  - a:\n      set: ${ {a: .x} }\n"))
        #expect(unquoted.location?.description == "w.yaml:3:17")
        let note = try #require(unquoted.notes.last)
        #expect(note.location?.description == "w.yaml:3:12")
        #expect(note.message.hasPrefix("this ${ … } is not quoted"))

        // A quoted expression, or an error on a line without one, gets no such note.
        let other = try only(load("a:\n  b: '${ .x }'\n c: 2\n"))
        #expect(!other.notes.contains { $0.message.hasPrefix("this ${ … } is not quoted") })
    }

    @Test("reports a duplicate key at the second key, with a note at the first")
    func duplicateKey() throws {
        let document = load("do:\n  - a:\n      set: {}\n      set: {x: 1}\n")
        let diagnostic = try only(document)
        #expect(diagnostic.code == SyntaxDiagnostics.duplicateKeyCode)
        #expect(diagnostic.location?.description == "w.yaml:4:7")
        #expect(diagnostic.path == "/do/0/a/set")
        #expect(diagnostic.notes.first?.location?.description == "w.yaml:3:7")
        #expect(!document.isUsable)
    }

    @Test("reports a duplicate key in a JSON file")
    func duplicateKeyJSON() throws {
        let diagnostic = try only(load("{\"a\": 1,\n \"a\": 2}", file: "w.json"))
        #expect(diagnostic.code == SyntaxDiagnostics.duplicateKeyCode)
        #expect(diagnostic.location?.description == "w.json:2:2")
    }

    @Test("keys in two Unicode forms are refused: JSON as a syntax error at the second, YAML as a duplicate saying why")
    func keysInTwoUnicodeForms() throws {
        let json = try only(load("{\"caf\\u00e9\": 1,\n \"cafe\\u0301\": 2}", file: "w.json"))
        #expect(json.location?.description == "w.json:2:2")
        #expect(json.message.contains("different Unicode forms"))
        let yaml = try only(load("document: {}\ncaf\u{E9}: 1\ncafe\u{301}: 2\n"))
        #expect(yaml.code == SyntaxDiagnostics.duplicateKeyCode)
        #expect(yaml.location?.description == "w.yaml:3:1")
        #expect(yaml.message.contains("different Unicode forms"))
    }

    @Test("reports a mapping or a sequence used as a key, and keeps reading")
    func complexKeys() throws {
        let document = load("? {a: 1}\n: x\n? [b]\n: y\nok: z\n")
        #expect(document.diagnostics.map(\.code) == [SyntaxDiagnostics.complexKeyCode, SyntaxDiagnostics.complexKeyCode])
        #expect(document.diagnostics.map(\.location?.description) == ["w.yaml:1:3", "w.yaml:3:3"])
        #expect(document.diagnostics[0].message.hasPrefix("a mapping cannot be used as a mapping key"))
        #expect(document.diagnostics[1].message.hasPrefix("a sequence cannot be used as a mapping key"))
        #expect(document.value == ["ok": "z"])
    }

    @Test("reports a second document at its start")
    func multipleDocuments() throws {
        let diagnostic = try only(load("a: 1\n---\nb: 2\n"))
        #expect(diagnostic.code == SyntaxDiagnostics.multipleDocumentsCode)
        #expect(diagnostic.location?.description == "w.yaml:2:1")
        #expect(try only(load("---\na: 1\n...\n---\nb: 2\n")).location?.line == 4)
        #expect(load("---\na: 1\n...\n").diagnostics.isEmpty)
    }

    @Test("reports invalid UTF-8 at the first bad byte")
    func invalidUTF8() throws {
        let bytes = Array("name: ok\nbad: é".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        let diagnostic = try only(loader.load(bytes: bytes, file: "w.yaml"))
        #expect(diagnostic.code == SyntaxDiagnostics.invalidUTF8Code)
        #expect(diagnostic.location?.description == "w.yaml:2:7")
        // Overlong encodings and UTF-16 surrogates are not UTF-8 either.
        #expect(try only(loader.load(bytes: [0x61, 0xC0, 0xAF], file: "w.yaml")).location?.column == 2)
        #expect(try only(loader.load(bytes: [0xED, 0xA0, 0x80], file: "w.json")).code == SyntaxDiagnostics.invalidUTF8Code)
    }

    @Test("refuses a file over the size limit before parsing it")
    func fileTooLarge() throws {
        let small = Loader(limits: Loader.Limits(maxBytes: 16))
        let diagnostic = try only(small.load(text: "a: 12345678901234567890\n", file: "w.yaml"))
        #expect(diagnostic.code == SyntaxDiagnostics.fileTooLargeCode)
        #expect(diagnostic.location?.description == "w.yaml:1:1")
        #expect(Loader().limits.maxBytes == 10 * 1024 * 1024)
    }

    @Test("stops at nesting deeper than the limit, in YAML and in JSON")
    func nestingTooDeep() throws {
        let shallow = Loader(limits: Loader.Limits(maxDepth: 3))
        let yaml = try only(shallow.load(text: "a:\n  b:\n    c:\n      d: 1\n", file: "w.yaml"))
        #expect(yaml.code == SyntaxDiagnostics.nestingTooDeepCode)
        #expect(yaml.location?.description == "w.yaml:4:7")
        #expect(yaml.path == "/a/b/c")
        let json = try only(shallow.load(text: "[[[[1]]]]", file: "w.json"))
        #expect(json.code == SyntaxDiagnostics.nestingTooDeepCode)
        #expect(json.location?.description == "w.json:1:4")
        let flow = try only(loader.load(text: String(repeating: "[", count: 5000), file: "w.yaml"))
        #expect(flow.code == SyntaxDiagnostics.nestingTooDeepCode)
    }

    @Test("stops a billion-laughs document at the alias expansion limit")
    func billionLaughs() throws {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"]
        var previous = "a"
        for name in names {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        let document = loader.load(text: text, file: "lol.yaml")
        let diagnostic = try only(document)
        #expect(diagnostic.code == SyntaxDiagnostics.aliasExpansionTooLargeCode)
        #expect(diagnostic.location?.line == 7)
        #expect(document.value == nil)
    }

    @Test("reports an alias to an anchor that is not defined")
    func unknownAnchor() throws {
        let diagnostic = try only(load("a: *missing\n"))
        #expect(diagnostic.code == SyntaxDiagnostics.unknownAnchorCode)
        #expect(diagnostic.location?.description == "w.yaml:1:4")
        #expect(diagnostic.message.contains("*missing"))
    }

    @Test("reports JSON syntax errors with their position")
    func jsonSyntax() throws {
        let diagnostic = try only(load("{\n  \"a\": [1, 2,]\n}\n", file: "w.json"))
        #expect(diagnostic.code == SyntaxDiagnostics.jsonSyntaxCode)
        #expect(diagnostic.location?.description == "w.json:2:14")
    }

    @Test("reports a file with no document", arguments: [("", "w.yaml"), ("# only a comment\n", "w.yaml"), ("  \n", "w.json")])
    func emptyDocument(text: String, file: String) throws {
        let diagnostic = try only(load(text, file: file))
        #expect(diagnostic.code == SyntaxDiagnostics.emptyDocumentCode)
        #expect(diagnostic.location?.description == "\(file):1:1")
    }

    @Test("reports tags it does not understand, and values that do not fit their tag")
    func tags() throws {
        let unknown = try only(load("a: !Ref thing\n"))
        #expect(unknown.code == SyntaxDiagnostics.unsupportedTagCode)
        #expect(unknown.location?.description == "w.yaml:1:4")
        #expect(unknown.message.contains("!Ref"))
        let invalid = try only(load("a: !!int twelve\n"))
        #expect(invalid.code == SyntaxDiagnostics.invalidTaggedScalarCode)
        #expect(invalid.message == "\"twelve\" is not a valid !!int value")
        let mismatched = try only(load("a: !!seq {x: 1}\n"))
        #expect(mismatched.code == SyntaxDiagnostics.unsupportedTagCode)
    }
}
