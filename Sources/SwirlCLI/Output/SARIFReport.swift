import SwirlCompiler
import SwirlCore
import SwirlSyntax

/// A path that could not be read, reported beside the documents' diagnostics.
struct UnreadableFile: Sendable {
    var file: String
    var message: String
}

/// Diagnostics as a SARIF 2.1.0 log, for code scanning (GitHub's, and any tool that reads SARIF).
///
/// One run of the tool `swirl`: each code met is a rule, with its help from the catalogue (what it means, an
/// example, the fix); each diagnostic is a result at its file, line and column, and its end when known (SARIF's
/// end column is the one after the last character, as Swirl's). Columns count Unicode code points, as Swirl's
/// positions do, and the log says so. Notes with a place are related locations; the others follow the message.
/// A file that could not be read is a result of the rule for unreadable files, and makes the invocation
/// unsuccessful.
struct SARIFReport {
    var diagnostics: [Diagnostic]
    var unreadable: [UnreadableFile] = []

    var text: String { log.serialized(.pretty) + "\n" }

    var log: JSON {
        var codes: [DiagnosticCode] = []
        var seen: Set<DiagnosticCode> = []
        for code in diagnostics.map(\.code) + (unreadable.isEmpty ? [] : [SyntaxDiagnostics.unreadableFileCode])
        where seen.insert(code).inserted {
            codes.append(code)
        }
        let ruleIndex = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($0.element, $0.offset) })
        var results = diagnostics.map { Self.result($0, ruleIndex: ruleIndex[$0.code] ?? 0) }
        results += unreadable.map { file in
            Self.result(
                code: SyntaxDiagnostics.unreadableFileCode, ruleIndex: ruleIndex[SyntaxDiagnostics.unreadableFileCode] ?? 0,
                level: "error", message: file.message, locations: [["physicalLocation": ["artifactLocation": Self.artifact(file.file)]]])
        }
        var invocation: OrderedDictionary<String, JSON> = ["executionSuccessful": .bool(unreadable.isEmpty)]
        if !unreadable.isEmpty {
            invocation["toolExecutionNotifications"] = .array(
                unreadable.map { file in
                    [
                        "level": "error", "message": ["text": .string(file.message)],
                        "locations": [["physicalLocation": ["artifactLocation": Self.artifact(file.file)]]],
                    ]
                })
        }
        let driver: OrderedDictionary<String, JSON> = [
            "name": "swirl", "version": .string(SwirlVersion.current), "semanticVersion": .string(SwirlVersion.current),
            "rules": .array(codes.map(Self.rule)),
        ]
        let run: OrderedDictionary<String, JSON> = [
            "tool": ["driver": .object(driver)],
            "invocations": [.object(invocation)],
            "columnKind": "unicodeCodePoints",
            "results": .array(results),
        ]
        return [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [.object(run)],
        ]
    }

    /// A rule: the code, its name and summary, and its help from the catalogue.
    private static func rule(_ code: DiagnosticCode) -> JSON {
        var rule: OrderedDictionary<String, JSON> = ["id": .string(code.rawValue)]
        guard let entry = DiagnosticCatalogue.entry(code.rawValue) else { return .object(rule) }
        rule["name"] = .string(entry.name)
        rule["shortDescription"] = ["text": .string(entry.summary)]
        rule["fullDescription"] = ["text": .string(entry.explanation)]
        var text = entry.explanation + "\n\nFix: " + entry.fix
        var markdown = entry.explanation + "\n\n**Fix:** " + entry.fix
        if var example = entry.example {
            while example.hasSuffix("\n") { example.removeLast() }
            text += "\n\nFor example, swirl validate reports \(code) for:\n\n" + example
            markdown += "\n\nFor example, `swirl validate` reports \(code) for:\n\n```yaml\n" + example + "\n```"
        }
        text += "\n\nswirl explain \(code) prints this help."
        markdown += "\n\n`swirl explain \(code)` prints this help."
        rule["help"] = ["text": .string(text), "markdown": .string(markdown)]
        return .object(rule)
    }

    private static func result(_ diagnostic: Diagnostic, ruleIndex: Int) -> JSON {
        var message = diagnostic.message
        var related: [JSON] = []
        for note in diagnostic.notes {
            if let location = note.location {
                related.append([
                    "id": .number(Double(related.count)), "message": ["text": .string(note.message)],
                    "physicalLocation": physicalLocation(location),
                ])
            } else {
                message += "\n" + note.message
            }
        }
        var locations: [JSON] = []
        if let location = diagnostic.location {
            locations.append(["physicalLocation": physicalLocation(location)])
        }
        return Self.result(
            code: diagnostic.code, ruleIndex: ruleIndex, level: level(diagnostic.severity), message: message, locations: locations,
            related: related)
    }

    private static func result(
        code: DiagnosticCode, ruleIndex: Int, level: String, message: String, locations: [JSON], related: [JSON] = []
    ) -> JSON {
        var result: OrderedDictionary<String, JSON> = [
            "ruleId": .string(code.rawValue), "ruleIndex": .number(Double(ruleIndex)), "level": .string(level),
            "message": ["text": .string(message)],
        ]
        if !locations.isEmpty { result["locations"] = .array(locations) }
        if !related.isEmpty { result["relatedLocations"] = .array(related) }
        return .object(result)
    }

    private static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "note"
        }
    }

    private static func physicalLocation(_ location: SourceLocation) -> JSON {
        var region: OrderedDictionary<String, JSON> = [
            "startLine": .number(Double(location.line)), "startColumn": .number(Double(location.column)),
        ]
        if let end = location.end, end >= location.position {
            region["endLine"] = .number(Double(end.line))
            region["endColumn"] = .number(Double(end.column))
        }
        return ["artifactLocation": artifact(location.file), "region": .object(region)]
    }

    /// The file as a URI reference: a relative path stays relative (to the folder swirl ran in), an absolute one
    /// becomes a `file:` URI; characters a URI cannot hold are percent-encoded.
    static func artifact(_ file: String) -> JSON {
        var encoded = ""
        for byte in file.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return ["uri": .string(file.hasPrefix("/") ? "file://" + encoded : encoded)]
    }
}
