public import SwirlCore
import SwirlSyntax

/// Turns the schema's findings into what a person needs to read where the schema alone would say too much or too
/// little: one error for a document of the older DSL instead of one per foreign key, one for a task body written
/// at the task name's indentation instead of three, and a sentence instead of a regular expression for a DSL
/// version or a duration that does not have the required form.
public enum SchemaExplanations {
    /// A Serverless Workflow 0.8 document (`specVersion`, `states`).
    public static let olderDSLCode = DiagnosticCode("SWL2015")
    /// A task's body (`set:`, `call:`...) at the indentation of the task's name, so it is a sibling of the name.
    public static let taskBodyIndentationCode = DiagnosticCode("SWL2016")

    /// The task kinds: a task list entry's body has exactly one of them.
    static let taskKinds: Set<String> = ["call", "do", "emit", "for", "fork", "listen", "raise", "run", "set", "switch", "try", "wait"]

    /// `diagnostics` (the schema's, for `document`) as they are best reported.
    public static func refine(_ diagnostics: [Diagnostic], in document: JSON) -> [Diagnostic] {
        guard diagnostics.containsErrors else { return diagnostics }
        if let older = olderDSL(document) { return [older] }
        var refined = diagnostics
        for task in misindentedTasks(in: document) {
            refined.removeAll { $0.path.map { $0.tokens.starts(with: task.pointer.tokens) } ?? false }
            refined.append(
                Diagnostic(
                    .error, code: taskBodyIndentationCode,
                    message: "`\(task.kind):` is written at the indentation of the task name `\(task.name):`, so it is not the "
                        + "task's body; indent `\(task.kind):` (and the lines under it) under the task name",
                    path: task.pointer.appending(task.kind), part: .key))
        }
        return refined.map { explainPattern($0, in: document) }
    }

    /// One error for a document of Serverless Workflow 0.8 (or earlier), at its `specVersion` or `states`.
    private static func olderDSL(_ document: JSON) -> Diagnostic? {
        guard let object = document.objectValue, object["document"] == nil,
            let key = ["specVersion", "states"].first(where: { object[$0] != nil })
        else { return nil }
        let version = object["specVersion"]?.stringValue.map { " \($0)" } ?? ""
        return Diagnostic(
            .error, code: olderDSLCode,
            message: "this is a Serverless Workflow\(version) document (`specVersion`, `states`); Swirl reads DSL "
                + "\(SwirlVersion.supportedDSL), where a document starts with `document:` (dsl, namespace, name, version) "
                + "and lists its tasks under `do:`",
            path: JSONPointer(tokens: [key]), part: .key,
            notes: [Diagnostic.Note("`swirl explain \(olderDSLCode)` shows the form of a DSL 1.0 document")])
    }

    /// Entries of task lists whose one member besides task properties is a name with no value, beside a task
    /// kind: `- a:` followed by `set:` at the same indentation.
    private static func misindentedTasks(in document: JSON) -> [(pointer: JSONPointer, name: String, kind: String)] {
        var found: [(pointer: JSONPointer, name: String, kind: String)] = []
        func walk(_ value: JSON, _ pointer: JSONPointer, listKey: Bool) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    walk(member, pointer.appending(key), listKey: ["do", "try", "branches"].contains(key))
                }
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    let entry = pointer.appending(index)
                    if listKey, let task = misindented(element) {
                        found.append((entry, task.name, task.kind))
                    } else {
                        walk(element, entry, listKey: false)
                    }
                }
            default:
                break
            }
        }
        walk(document, .root, listKey: false)
        return found
    }

    /// The task name and kind of a list entry written `{name: null, kind: ...}`: one member without a value
    /// beside a task kind.
    private static func misindented(_ entry: JSON) -> (name: String, kind: String)? {
        guard let members = entry.objectValue, members.count > 1 else { return nil }
        let nameless = members.filter { $0.value == .null }.map(\.key)
        guard nameless.count == 1, let kind = members.keys.first(where: { taskKinds.contains($0) && $0 != nameless[0] })
        else { return nil }
        return (nameless[0], kind)
    }

    /// A pattern mismatch of the DSL version or of a duration, said in words; the others as they are.
    private static func explainPattern(_ diagnostic: Diagnostic, in document: JSON) -> Diagnostic {
        guard diagnostic.code == SchemaDiagnostics.patternMismatchCode, let path = diagnostic.path,
            let text = path.resolve(in: document)?.stringValue
        else { return diagnostic }
        var explained = diagnostic
        if path.tokens == ["document", "dsl"] {
            explained.message =
                "the DSL version must be a full semantic version such as 1.0.3, not \(JSON.quote(text)); "
                + "Swirl reads \(SwirlVersion.supportedDSL)"
        } else if diagnostic.message.contains("the pattern ^P("), let problem = DurationProblem.find(in: text) {
            explained.message = "\(JSON.quote(text)) is not an ISO 8601 duration: \(problem)"
        }
        return explained
    }
}

/// What is wrong with a text that should be an ISO 8601 duration (`P1DT2H30M`): the first problem, in words.
enum DurationProblem {
    private static let dateUnits: [Character] = ["Y", "M", "W", "D"]
    private static let timeUnits: [Character] = ["H", "M", "S"]
    private static let timeUnitNames: [Character: String] = ["H": "hours", "M": "minutes", "S": "seconds"]

    /// The problem, or `nil` when the text is a duration (or its problem has no simple description).
    static func find(in text: String) -> String? {
        let characters = Array(text)
        guard characters.first == "P" else {
            return characters.first?.lowercased() == "p"
                ? "the letters must be capitals (P, T and the units)" : "a duration starts with P (for example PT30S or P1D)"
        }
        if characters.count == 1 { return "P must be followed by at least one part, such as 1D or T30S" }
        var index = 1
        var inTime = false
        var lastUnit = -1
        var partsInTime = 0
        while index < characters.count {
            let character = characters[index]
            if character == "T" {
                if inTime { return "T appears twice" }
                inTime = true
                lastUnit = -1
                index += 1
                continue
            }
            let start = index
            while index < characters.count, characters[index].isASCII, characters[index].isNumber || characters[index] == "." {
                index += 1
            }
            let number = String(characters[start..<index])
            guard !number.isEmpty else {
                if character.isLetter, character.isLowercase { return "the letters must be capitals (P, T and the units)" }
                return "\(JSON.quote(String(character))) at position \(start + 1) has no number before it"
            }
            if number.hasPrefix(".") || number.hasSuffix(".") || number.filter({ $0 == "." }).count > 1 {
                return "\(number) is not a number (write 1.5, not \(number))"
            }
            guard index < characters.count else {
                return "the \(number) at the end has no unit "
                    + (inTime ? "(after T: H for hours, M for minutes, S for seconds)" : "(Y, M, W or D; or T and then H, M or S)")
            }
            let unit = characters[index]
            let units = inTime ? timeUnits : dateUnits
            guard let position = units.firstIndex(of: unit) else {
                if !inTime, timeUnits.contains(unit) {
                    return "\(unit) (\(timeUnitNames[unit] ?? "")) must come after T, as in PT\(number)\(unit)"
                }
                if unit.isLowercase { return "the letters must be capitals (P, T and the units)" }
                return "\(JSON.quote(String(unit))) is not a unit " + (inTime ? "after T (H, M or S)" : "before T (Y, M, W or D)")
            }
            if position <= lastUnit {
                return "\(unit) comes after \(units[lastUnit]): the parts go from the largest to the smallest, each once"
            }
            lastUnit = position
            if inTime { partsInTime += 1 }
            index += 1
        }
        if inTime, partsInTime == 0 { return "T must be followed by hours, minutes or seconds (such as T30S)" }
        return nil
    }
}
