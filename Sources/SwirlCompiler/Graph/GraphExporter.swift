/// Renders a ``ProgramGraph`` as Mermaid (`flowchart TD`) or Graphviz DOT text.
public enum GraphExporter {
    public enum Format: String, Sendable, CaseIterable {
        case mermaid
        case dot
    }

    /// The graph as text in `format`, ending with a newline.
    public static func render(_ graph: ProgramGraph, as format: Format) -> String {
        switch format {
        case .mermaid: mermaid(graph)
        case .dot: dot(graph)
        }
    }

    // MARK: Mermaid

    static func mermaid(_ graph: ProgramGraph) -> String {
        var lines = ["flowchart TD"]
        func add(_ members: [ProgramGraph.Member], indent: String) {
            for member in members {
                switch member {
                case .node(let node):
                    lines.append(indent + node.id + mermaidShape(node))
                case .cluster(let cluster):
                    lines.append("\(indent)subgraph \(cluster.id) [\"\(mermaidText(cluster.label))\"]")
                    add(cluster.members, indent: indent + "  ")
                    lines.append(indent + "end")
                }
            }
        }
        add(graph.members, indent: "  ")
        for edge in graph.edges {
            let arrow = edge.style == .dashed ? "-.->" : "-->"
            let label = edge.label.map { "|\"\(mermaidText($0))\"|" } ?? ""
            lines.append("  \(edge.from) \(arrow)\(label) \(edge.to)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func mermaidShape(_ node: ProgramGraph.Node) -> String {
        let text = "\"" + mermaidText(node.label) + "\""
        switch node.shape {
        case .task: return "[" + text + "]"
        case .terminal: return "((" + text + "))"
        case .decision: return "{" + text + "}"
        case .join: return "[[" + text + "]]"
        }
    }

    /// Mermaid labels are quoted strings that Mermaid reads as HTML: `#` (its entity marker), quotes, `<`, `>`
    /// and `&` become entity codes, so a name shows as written and cannot inject markup; line breaks `<br/>`.
    public static func mermaidText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "#": escaped += "#35;"
            case "\"": escaped += "#quot;"
            case "<": escaped += "#lt;"
            case ">": escaped += "#gt;"
            case "&": escaped += "#amp;"
            case "\n": escaped += "<br/>"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    // MARK: DOT

    static func dot(_ graph: ProgramGraph) -> String {
        var lines = ["digraph workflow {", "  node [fontname=\"Helvetica\"];", "  edge [fontname=\"Helvetica\"];"]
        func add(_ members: [ProgramGraph.Member], indent: String) {
            for member in members {
                switch member {
                case .node(let node):
                    lines.append("\(indent)\(node.id) [label=\(dotText(node.label)), shape=\(dotShape(node.shape))];")
                case .cluster(let cluster):
                    lines.append("\(indent)subgraph cluster_\(cluster.id) {")
                    lines.append("\(indent)  label=\(dotText(cluster.label));")
                    add(cluster.members, indent: indent + "  ")
                    lines.append(indent + "}")
                }
            }
        }
        add(graph.members, indent: "  ")
        for edge in graph.edges {
            var attributes: [String] = []
            if let label = edge.label { attributes.append("label=\(dotText(label))") }
            if edge.style == .dashed { attributes.append("style=dashed") }
            let suffix = attributes.isEmpty ? "" : " [" + attributes.joined(separator: ", ") + "]"
            lines.append("  \(edge.from) -> \(edge.to)\(suffix);")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dotShape(_ shape: ProgramGraph.Shape) -> String {
        switch shape {
        case .task: "box"
        case .terminal: "circle"
        case .decision: "diamond"
        case .join: "box3d"
        }
    }

    /// A DOT string literal: backslashes (DOT's escapes, such as `\\N`), quotes and line breaks escaped; `<`, `>`
    /// and `&` need nothing in a quoted (not HTML) label, and Graphviz escapes them in SVG.
    public static func dotText(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n") + "\""
    }
}
