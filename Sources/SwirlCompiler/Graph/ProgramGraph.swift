import SwirlCore

/// A program drawn as a graph: what `swirl graph` prints, as Mermaid or DOT.
///
/// Every task is a node labelled with its name and kind; composite tasks hold their bodies in
/// clusters. Edges show the sequence, `then` jumps, switch cases (labelled with their
/// condition), a loop's back edge, fork branches and their join, a try body's error path, the
/// retry loop and the catch handler.
public struct ProgramGraph: Sendable {
    public enum Shape: Sendable {
        case task
        case terminal
        case decision
        case join
    }

    public enum EdgeStyle: Sendable {
        case normal
        /// An error path, or a retry.
        case dashed
    }

    public struct Node: Sendable {
        public var id: String
        public var label: String
        public var shape: Shape
    }

    public struct Edge: Sendable {
        public var from: String
        public var to: String
        public var label: String?
        public var style: EdgeStyle
    }

    /// A box around a composite task's body.
    public struct Cluster: Sendable {
        public var id: String
        public var label: String
        /// Nodes and clusters inside, in order.
        public var members: [Member]
    }

    public enum Member: Sendable {
        case node(Node)
        case cluster(Cluster)
    }

    /// The top-level members: the start and end nodes, top-level tasks and their clusters.
    public var members: [Member] = []
    public var edges: [Edge] = []

    /// Draws `program`.
    public init(_ program: Program) {
        var builder = GraphBuilder(program: program)
        members = builder.build()
        edges = builder.edges
    }
}

extension ProgramGraph {
    /// The widest line of a label, in characters, and the most lines: a switch of long conditions or a long
    /// task name stays a readable box.
    public static let labelWidth = 40
    public static let labelLines = 4

    /// `text` with each line wrapped at spaces to ``labelWidth`` characters (a word longer than that is cut),
    /// at most ``labelLines`` lines, `…` marking what was left out.
    public static func readable(_ text: String) -> String {
        var lines: [String] = []
        var cut = false
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                var word = String(word)
                if word.count > labelWidth {
                    word = String(word.prefix(labelWidth - 1)) + "…"
                }
                if !line.isEmpty, line.count + 1 + word.count > labelWidth {
                    lines.append(line)
                    line = word
                } else {
                    line = line.isEmpty ? word : line + " " + word
                }
            }
            lines.append(line)
        }
        if lines.count > labelLines {
            lines = Array(lines.prefix(labelLines))
            cut = true
        }
        if cut { lines[lines.count - 1] += " …" }
        return lines.joined(separator: "\n")
    }
}

private struct GraphBuilder {
    let program: Program
    var edges: [ProgramGraph.Edge] = []

    init(program: Program) {
        self.program = program
    }

    // "end" is a keyword in Mermaid, so the terminals get ids of their own.
    static let start = "workflowStart"
    static let end = "workflowEnd"

    mutating func build() -> [ProgramGraph.Member] {
        var members: [ProgramGraph.Member] = [.node(.init(id: Self.start, label: "start", shape: .terminal))]
        edge(Self.start, entry(of: Program.rootScope, exit: Self.end))
        members += scope(Program.rootScope, exit: Self.end)
        members.append(.node(.init(id: Self.end, label: "end", shape: .terminal)))
        return members
    }

    func id(_ scope: Int, _ node: Int) -> String { "s\(scope)n\(node)" }

    /// The first node of a scope, or `exit` when the scope is empty.
    func entry(of scope: Int, exit: String) -> String {
        program.scopes[scope].nodes.isEmpty ? exit : id(scope, 0)
    }

    func target(_ flow: FlowTarget, in scope: Int, exit: String) -> String {
        switch flow {
        case .node(let index): id(scope, index)
        case .exit: exit
        case .end: Self.end
        }
    }

    mutating func edge(_ from: String, _ to: String, _ label: String? = nil, _ style: ProgramGraph.EdgeStyle = .normal) {
        edges.append(.init(from: from, to: to, label: label.map(ProgramGraph.readable), style: style))
    }

    /// Draws the nodes of `scope`; leaving the scope goes to `exit`.
    mutating func scope(_ scope: Int, exit: String) -> [ProgramGraph.Member] {
        var members: [ProgramGraph.Member] = []
        for (index, node) in program.scopes[scope].nodes.enumerated() {
            let nodeID = id(scope, index)
            let next = target(node.then, in: scope, exit: exit)
            let label = ProgramGraph.readable(node.name) + "\n" + kindName(node.kind)
            switch node.kind {
            case .do(let body):
                members.append(.node(.init(id: nodeID, label: label, shape: .task)))
                edge(nodeID, entry(of: body, exit: next))
                members.append(.cluster(.init(id: nodeID + "body", label: node.name, members: self.scope(body, exit: next))))
            case .for(let loop):
                members.append(.node(.init(id: nodeID, label: label, shape: .decision)))
                edge(nodeID, entry(of: loop.body, exit: nodeID), "each \(loop.each)")
                edge(nodeID, next, "done")
                members.append(
                    .cluster(.init(id: nodeID + "body", label: node.name, members: self.scope(loop.body, exit: nodeID))))
            case .fork(let fork):
                let join = nodeID + "join"
                members.append(.node(.init(id: nodeID, label: label, shape: .task)))
                var branches: [ProgramGraph.Member] = []
                for (number, branch) in fork.branches.enumerated() {
                    edge(nodeID, entry(of: branch, exit: join), "branch \(number + 1)")
                    branches.append(
                        .cluster(.init(id: "\(nodeID)b\(number)", label: "branch \(number + 1)", members: self.scope(branch, exit: join))))
                }
                members += branches
                members.append(.node(.init(id: join, label: fork.compete ? "join: first wins" : "join: all", shape: .join)))
                edge(join, next)
            case .try(let tryCatch):
                members.append(.node(.init(id: nodeID, label: label, shape: .task)))
                let body = self.scope(tryCatch.body, exit: next)
                edge(nodeID, entry(of: tryCatch.body, exit: next))
                members.append(.cluster(.init(id: nodeID + "body", label: "\(node.name): try", members: body)))
                let caught = nodeID + "catch"
                members.append(.node(.init(id: caught, label: ProgramGraph.readable("catch " + catchLabel(tryCatch)), shape: .decision)))
                edge(nodeID, caught, "on error", .dashed)
                if tryCatch.retry != nil { edge(caught, nodeID, "retry", .dashed) }
                if let handler = tryCatch.handler {
                    edge(caught, entry(of: handler, exit: next), "handle")
                    members.append(
                        .cluster(.init(id: nodeID + "handler", label: "\(node.name): catch", members: self.scope(handler, exit: next))))
                } else {
                    edge(caught, next, "caught")
                }
            case .switch(let cases):
                members.append(.node(.init(id: nodeID, label: label, shape: .decision)))
                var hasDefault = false
                for switchCase in cases {
                    let condition = switchCase.when.map { program.expressions[$0].text.trimmed }
                    if condition == nil { hasDefault = true }
                    edge(nodeID, target(switchCase.then, in: scope, exit: exit), condition ?? "default")
                }
                if !hasDefault { edge(nodeID, next, "no match") }
            case .raise:
                // A raise never flows on; only a false `if` lets the list continue.
                members.append(.node(.init(id: nodeID, label: label, shape: .task)))
            default:
                members.append(.node(.init(id: nodeID, label: label, shape: .task)))
                edge(nodeID, next)
            }
            if let condition = node.condition {
                // A skipped task ignores its own `then` and continues with the next one: the edge says when.
                let following = index + 1 < program.scopes[scope].nodes.count ? id(scope, index + 1) : exit
                edge(nodeID, following, "skipped unless " + program.expressions[condition].text.trimmed, .dashed)
            }
        }
        return members
    }

    /// One line per filtered property, so a catch of many properties stays narrow.
    func catchLabel(_ tryCatch: TryCatch) -> String {
        let filter = tryCatch.filter.map { "\($0.key)=\($0.value.stringValue ?? $0.value.serialized())" }
        return filter.isEmpty ? "any error" : filter.joined(separator: "\n")
    }

    func kindName(_ kind: NodeKind) -> String {
        switch kind {
        case .set: "set"
        case .do: "do"
        case .switch: "switch"
        case .for: "for"
        case .fork(let fork): fork.compete ? "fork (compete)" : "fork"
        case .try(let tryCatch): tryCatch.retry == nil ? "try" : "try (retry)"
        case .raise: "raise"
        case .wait: "wait"
        case .activity(let call): call.kind.replacing(":", with: " ")
        case .function(let call): "call \(call.name)"
        case .listen: "listen"
        }
    }
}

extension String {
    fileprivate var trimmed: String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
