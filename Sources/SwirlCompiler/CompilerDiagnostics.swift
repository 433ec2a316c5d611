public import SwirlCore

/// The diagnostics of the semantic checks that run after the schema: codes `SWL3xxx` for
/// expressions and `SWL4xxx` for the rest. Call sites use these factories and never format
/// messages themselves.
public enum CompilerDiagnostics {
    public static let expressionSyntaxCode = DiagnosticCode("SWL3001")
    public static let unsupportedLanguageCode = DiagnosticCode("SWL3002")
    public static let partialInterpolationCode = DiagnosticCode("SWL3003")
    public static let invalidVariableNameCode = DiagnosticCode("SWL3004")
    public static let duplicateTaskNameCode = DiagnosticCode("SWL4001")
    public static let unknownFlowTargetCode = DiagnosticCode("SWL4002")
    public static let unreachableTaskCode = DiagnosticCode("SWL4003")
    public static let undefinedReferenceCode = DiagnosticCode("SWL4004")
    public static let invalidDurationCode = DiagnosticCode("SWL4005")
    public static let calendarDurationCode = DiagnosticCode("SWL4006")
    public static let invalidCronCode = DiagnosticCode("SWL4007")
    public static let invalidURITemplateCode = DiagnosticCode("SWL4008")
    public static let unsupportedDSLVersionCode = DiagnosticCode("SWL4009")
    public static let secondDefaultCaseCode = DiagnosticCode("SWL4010")
    public static let malformedCatalogCallCode = DiagnosticCode("SWL4011")

    static func expressionSyntax(_ message: String, expression: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: expressionSyntaxCode, message: "invalid jq expression: \(message)", path: path,
            notes: [Diagnostic.Note("in the expression: \(expression)")])
    }

    /// The note on an expression of a reusable definition, checked in the scope of one of its uses.
    static func checkedWhereUsed(_ place: JSONPointer, variables: [String]) -> Diagnostic.Note {
        var names: [String] = []
        for name in variables where !names.contains("$" + name) { names.append("$" + name) }
        let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
        return Diagnostic.Note("checked as used at \(place), where \(list) \(names.count == 1 ? "is" : "are") in scope")
    }

    static func unsupportedLanguage(_ language: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .warning, code: unsupportedLanguageCode,
            message: "expressions in \(JSON.quote(language)) are not checked or run by Swirl, which evaluates jq",
            path: path)
    }

    static func invalidVariableName(_ name: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: invalidVariableNameCode,
            message: "\(JSON.quote(name)) cannot be a variable name: it is a jq keyword, so $\(name) could not be used",
            path: path)
    }

    static func partialInterpolation(_ text: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .warning, code: partialInterpolationCode,
            message: "this string is a literal: only a whole-string ${ … } is an expression in strict mode",
            path: path,
            notes: [Diagnostic.Note("to build a string, write the whole value as jq, for example ${ \"Hello \" + .name }")])
    }

    static func duplicateTaskName(_ name: String, path: JSONPointer, first: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: duplicateTaskNameCode,
            message: "task name \(JSON.quote(name)) is used twice in the same list; 'then' could not tell them apart",
            path: path, part: .key, notes: [Diagnostic.Note("first used at \(first)")])
    }

    static func unknownFlowTarget(_ target: String, path: JSONPointer, candidates: [String], elsewhere: JSONPointer?)
        -> Diagnostic
    {
        var message = "'then' names \(JSON.quote(target)), which is not a task of this list"
        if let suggestion = Suggestion.closest(to: target, among: candidates) {
            message += "; did you mean \(JSON.quote(suggestion))?"
        }
        var notes: [Diagnostic.Note] = []
        if let elsewhere {
            notes.append(Diagnostic.Note("a task of that name is at \(elsewhere), in another list; 'then' can only go to a task of its own list"))
        }
        notes.append(Diagnostic.Note("'then' takes 'continue', 'exit', 'end' or the name of a task in the same list"))
        return Diagnostic(.error, code: unknownFlowTargetCode, message: message, path: path, notes: notes)
    }

    /// The note on `$item` (or `$index`) used in a loop whose `each` (or `at`) names it otherwise.
    static func loopVariableRenamed(_ variable: String, to name: String, by field: String) -> Diagnostic.Note {
        Diagnostic.Note("this loop's \(field) names the \(variable) \(JSON.quote(name)): write $\(name) instead of $\(variable)")
    }

    static func secondDefaultCase(_ name: String, path: JSONPointer, first: String, firstPath: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: secondDefaultCaseCode,
            message: "switch case \(JSON.quote(name)) has no 'when', but case \(JSON.quote(first)) is already the default; only one case may leave out 'when'",
            path: path, part: .key,
            notes: [
                Diagnostic.Note("the default case is at \(firstPath)"),
                Diagnostic.Note("give this case a 'when' condition, or remove one of the two"),
            ])
    }

    static func malformedCatalogCall(_ call: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: malformedCatalogCallCode,
            message: "\(JSON.quote(call)) is not a cataloged function: a function from a catalog is called as name:version@catalog",
            path: path,
            notes: [Diagnostic.Note("for example getPet:1.0.0@petstore, or getPet:1.0.0@default for the runtime's own catalog")])
    }

    static func unreachableTask(_ name: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .warning, code: unreachableTaskCode,
            message: "task \(JSON.quote(name)) can never run: no task flows to it", path: path, part: .key)
    }

    static func undefinedReference(kind: String, section: String, name: String, path: JSONPointer, known: [String])
        -> Diagnostic
    {
        var message = "\(kind) \(JSON.quote(name)) is not defined in use.\(section)"
        if let suggestion = Suggestion.closest(to: name, among: known) {
            message += "; did you mean \(JSON.quote(suggestion))?"
        }
        return Diagnostic(.error, code: undefinedReferenceCode, message: message, path: path)
    }

    static func invalidDuration(_ reason: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(.error, code: invalidDurationCode, message: reason, path: path)
    }

    static func calendarDuration(_ text: String, path: JSONPointer) -> Diagnostic {
        // `P30M` is 30 months; minutes need the `T`. When the months are the last part and
        // there is no time part, minutes were almost certainly meant.
        let upper = text.uppercased()
        if !upper.contains("Y"), !upper.contains("T"), upper.hasSuffix("M") {
            let number = upper.dropLast().reversed().prefix { $0.isNumber || $0 == "." }.reversed()
            if !number.isEmpty {
                let count = String(number)
                let minutes = String(upper.dropLast(number.count + 1)) + "T" + count + "M"
                let plural = count == "1" ? "" : "s"
                return Diagnostic(
                    .error, code: calendarDurationCode,
                    message: "duration \(JSON.quote(text)) is \(count) month\(plural), and months are not allowed (they have no fixed length); did you mean \(JSON.quote(minutes)), \(count) minute\(plural)?",
                    path: path,
                    notes: [Diagnostic.Note("in ISO 8601, minutes come after the T: PT30M is 30 minutes, P30M 30 months")])
            }
        }
        return Diagnostic(
            .error, code: calendarDurationCode,
            message: "duration \(JSON.quote(text)) uses years or months, which have no fixed length; use weeks, days or hours",
            path: path)
    }

    static func invalidCron(_ reason: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(.error, code: invalidCronCode, message: reason, path: path)
    }

    static func invalidURITemplate(_ reason: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(.error, code: invalidURITemplateCode, message: reason, path: path)
    }

    static func unsupportedDSLVersion(_ version: String, path: JSONPointer) -> Diagnostic {
        Diagnostic(
            .error, code: unsupportedDSLVersionCode,
            message: "DSL version \(JSON.quote(version)) is not supported; Swirl reads \(SwirlVersion.supportedDSL) documents",
            path: path)
    }
}
