import SwirlCore

/// A jq program compiled by Swirl's own engine, ready to run on any number of inputs from any
/// thread.
///
/// The expression is read with jq 1.7.1's grammar, every name is resolved once, and running it
/// calls the compiled closures directly. The builtins jq defines in jq come from ``JQPrelude``,
/// compiled once per process; the ones it writes in C are Swift functions.
final class JQCompiledProgram: Sendable {
    /// The names of the caller's variables, in the order ``run(_:variables:limits:)`` takes
    /// their values.
    let variables: [String]
    private let filter: JQFilter
    private let boxes: [JQCompiler.FunctionBox]

    /// Compiles `expression` with `variables` (names without `$`) bound around it.
    init(_ expression: String, variables: [String]) throws(JQCompiledProgramError) {
        let tree: JQNode
        switch JQSyntax.parse(expression, variables: Set(variables), dialect: .jq171) {
        case .success(let node): tree = node
        case .failure(let error): throw .syntax(error)
        }
        let prelude = JQPrelude.shared
        var compiler = JQCompiler(variables: variables, callables: prelude.callables, natives: prelude.natives)
        do throws(JQCompileError) {
            filter = try compiler.compile(tree)
        } catch {
            throw .compile(error)
        }
        boxes = compiler.boxes
        self.variables = variables
    }

    deinit {
        // Functions that call themselves refer to their own box: empty the boxes to free them.
        for box in boxes {
            box.body = nil
        }
    }

    /// Runs the program on `input` and gives its outputs in order.
    /// - Parameters:
    ///   - variables: the values of ``variables``, in the same order.
    func run(_ input: JSON, variables values: [JSON] = [], limits: JQLimits = JQLimits()) throws(JQEvalError) -> [JSON] {
        let context = JQRun(limits: limits)
        var env: JQEnv?
        for value in values {
            env = JQEnv(.value(value), env)
        }
        var outputs: [JSON] = []
        do throws(JQEvalError) {
            try filter.run(input, env, context) { value throws(JQEvalError) in
                try context.count(outputs.count)
                outputs.append(value)
            }
        } catch .break {
            throw .internalFailure("a break escaped its label")
        } catch .halted(nil, _) {
            // `halt` ends the program with the outputs it gave so far.
        }
        return outputs
    }
}

/// Why an expression cannot be compiled.
enum JQCompiledProgramError: Error, Sendable, Equatable {
    /// It is not valid jq.
    case syntax(JQSyntaxError)
    /// It names a function or variable that does not exist.
    case compile(JQCompileError)
}

/// The jq builtins Swirl writes in jq itself, and the table of those it writes in Swift.
struct JQPrelude: Sendable {
    /// The prelude's functions, for every program to start its scope with.
    let callables: [JQCompiler.Callable]
    /// The builtins written in Swift, by `name/arity`.
    let natives: [String: JQNativeFunction]
    /// Every builtin a program can call, as `name/arity`: the prelude's, the Swift ones, and the
    /// evaluator's own (``JQCoreFunctions``).
    let signatures: Set<String>

    static let shared = JQPrelude()

    private init() {
        var natives: [String: JQNativeFunction] = [:]
        let tables = [
            JQNativeFunction.structuralFunctions, JQNativeFunction.textFunctions, JQMath.mathFunctions, JQTime.timeFunctions,
            JQNativeFunction.regexFunctions,
        ]
        for native in tables.joined() {
            natives["\(native.name)/\(native.arity)"] = native
        }
        self.natives = natives
        guard case .success(let tree) = JQSyntax.parse(Self.source, variables: [], dialect: .jq171, checksBuiltins: false) else {
            preconditionFailure("Swirl's jq prelude does not parse")
        }
        var compiler = JQCompiler(variables: [], natives: natives)
        var node = tree
        while case .definition(let definition, let rest) = node {
            let box = compiler.define(definition)
            do throws(JQCompileError) {
                try compiler.compileBody(definition, into: box)
            } catch {
                preconditionFailure("Swirl's jq prelude does not compile: \(error.message)")
            }
            node = rest
        }
        callables = compiler.callables
        var signatures = Set(natives.keys).union(JQCoreFunctions.signatures)
        for case .function(let name, let arity, _, _) in callables {
            signatures.insert("\(name)/\(arity)")
        }
        self.signatures = signatures
    }

    /// The builtins defined in jq, in Swirl's words; each may use the ones above it.
    static let source = """
        def values: select(. != null);
        def halt_error: halt_error(5);
        def nulls: select(. == null);
        def booleans: select(type == "boolean");
        def numbers: select(type == "number");
        def strings: select(type == "string");
        def arrays: select(type == "array");
        def objects: select(type == "object");
        def iterables: select(type == "array" or type == "object");
        def scalars: select(type != "array" and type != "object");
        def del(f): delpaths([path(f)]);
        def to_entries: [keys_unsorted[] as $key | {key: $key, value: .[$key]}];
        def from_entries: reduce .[] as $entry ({};
            . + {($entry | .key // .Key // .name // .Name): ($entry | if has("value") then .value else .Value end)});
        def with_entries(f): to_entries | map(f) | from_entries;
        def map_values(f): .[] |= f;
        def paths: path(..) | select(length > 0);
        def paths(f): path(.. | select(f)) | select(length > 0);
        def sort_by(f): _sort_by_impl(map([f]));
        def group_by(f): _group_by_impl(map([f]));
        def unique: group_by(.) | map(.[0]);
        def unique_by(f): [group_by(f)[] | .[0]];
        def min_by(f): _min_by_impl(map([f]));
        def max_by(f): _max_by_impl(map([f]));
        def reverse: [.[length - 1 - range(0; length)]];
        def range($upto): range(0; $upto);
        def range($from; $upto; $by):
            if $by > 0 then $from | while(. < $upto; . + $by)
            elif $by < 0 then $from | while(. > $upto; . + $by)
            else empty end;
        def last(f): reduce f as $value (null; $value);
        # The output at index $n, nothing when f has fewer: jq 1.7.1's (1.6 gave the last one).
        def nth($n; f): if $n < 0 then error("nth doesn't support negative indices")
            else label $found | foreach f as $item ($n + 1; . - 1; select(. <= 0) | $item, break $found) end;
        def first: .[0];
        def last: .[-1];
        def nth($n): .[$n];
        def any(generator; condition): isempty(generator | condition or empty) | not;
        def all(generator; condition): isempty(generator | condition and empty);
        def any(condition): any(.[]; condition);
        def all(condition): all(.[]; condition);
        def any: any(.[]; .);
        def all: all(.[]; .);
        def in(xs): . as $x | xs | has($x);
        def inside(xs): . as $x | xs | contains($x);
        def IN(s): any(s == .; .);
        def IN(source; s): any(source == s; .);
        def walk(f): def w: if type == "object" then map_values(w) elif type == "array" then map(w) else . end | f; w;
        def transpose: [range(0; map(length) | max // 0) as $i | [.[][$i]]];
        def combinations: if length == 0 then [] else .[0][] as $x | (.[1:] | combinations) as $rest | [$x] + $rest end;
        def combinations(n): . as $dot | [range(n)] | map($dot) | combinations;
        def _flatten($depth): reduce .[] as $item ([];
            if $item | type == "array" and $depth != 0 then . + ($item | _flatten($depth - 1)) else . + [$item] end);
        def flatten($depth): if $depth < 0 then error("flatten depth must not be negative") else _flatten($depth) end;
        def flatten: _flatten(-1);
        def join($separator): reduce .[] as $item (null;
            (if . == null then "" else . + $separator end)
            + ($item | if type == "boolean" or type == "number" then tostring else . // "" end)) // "";
        def indices($i): if type == "array" and ($i | type) == "array" then .[$i]
            elif type == "array" then .[[$i]]
            elif type == "string" and ($i | type) == "string" then _strindices($i)
            else .[$i] end;
        def index($i): indices($i) | .[0];
        def rindex($i): indices($i) | .[-1:][0];
        def INDEX(stream; key): reduce stream as $row ({}; .[$row | key | tostring] |= $row);
        def INDEX(key): INDEX(.[]; key);
        def isfinite: type == "number" and (isinfinite | not);
        def finites: select(isfinite);
        def normals: select(isnormal);
        def todateiso8601: strftime("%Y-%m-%dT%H:%M:%SZ");
        def fromdateiso8601: strptime("%Y-%m-%dT%H:%M:%SZ") | mktime;
        def todate: todateiso8601;
        def fromdate: fromdateiso8601;
        # jq 1.6's, which workflows written for it use.
        def date: todate;
        def dateadd(u; n): . + n;
        def datesub(u; n): . - n;
        def _regex_arguments($value): ($value | type) as $kind
            | if $kind == "string" then [$value, null]
              elif $kind == "array" and ($value | length) > 1 then [$value[0], $value[1]]
              elif $kind == "array" and ($value | length) > 0 then [$value[0], null]
              else error($kind + " not a string or array") end;
        def match(re; mode): _match_impl(re; mode; false) | .[];
        def match($value): _regex_arguments($value) as [$re, $mode] | match($re; $mode);
        def test(re; mode): _match_impl(re; mode; true);
        def test($value): _regex_arguments($value) as [$re, $mode] | test($re; $mode);
        def _named_captures: reduce (.captures[] | select(.name != null) | {(.name): .string}) as $pair ({}; . + $pair);
        def capture(re; mode): match(re; mode) | _named_captures;
        def capture($value): _regex_arguments($value) as [$re, $mode] | capture($re; $mode);
        def scan($re; $flags): match($re; "g" + $flags) | if (.captures | length) > 0 then [.captures[].string] else .string end;
        def scan($re): scan($re; null);
        def _nwise($n): def chunk: if length <= $n then . else .[0:$n], (.[$n:] | chunk) end; chunk;
        def _nwise(a; $n): a | _nwise($n);
        def splits($re; flags): . as $subject
            | [match($re; "g" + flags) | (.offset, .offset + .length)]
            | [0] + . + [$subject | length]
            | _nwise(2)
            | $subject[.[0]:.[1]];
        def splits($re): splits($re; null);
        def split($re; flags): [splits($re; flags)];
        def sub($re; replacement; $flags): . as $subject
            | (reduce match($re; $flags) as $edit ({results: [], previous: 0};
                    $subject[.previous:$edit.offset] as $gap
                    | [$edit | _named_captures | replacement] as $inserts
                    | reduce range(0; $inserts | length) as $i (.; .results[$i] += $gap + $inserts[$i])
                    | .previous = $edit.offset + $edit.length)
                | .results[] + $subject[.previous:])
              // $subject;
        def sub($re; replacement): sub($re; replacement; "");
        def gsub($re; replacement; flags): sub($re; replacement; flags + "g");
        def gsub($re; replacement): sub($re; replacement; "g");
        def toarray: if type == "array" then . else [.] end;
        def leaf_paths: paths(scalars);
        def recurse_down: recurse;
        def scalars_or_empty: select((type != "array" and type != "object") or length == 0);
        # Numbers are IEEE doubles: no decimal numbers, and a literal's text is not kept.
        def have_decnum: false;
        def have_literal_numbers: false;
        def JOIN($index; key): [.[] | [., $index[key]]];
        def JOIN($index; rows; key): rows | [., $index[key]];
        def JOIN($index; rows; key; combine): rows | [., $index[key]] | combine;
        def truncate_stream(events): . as $depth | null | events | select(.[0] | length > $depth) | .[0] |= .[$depth:];
        # The functions jq's own parser calls for its operators, which programs may call too.
        def _plus(a; b): a + b;
        def _minus(a; b): a - b;
        def _multiply(a; b): a * b;
        def _divide(a; b): a / b;
        def _mod(a; b): a % b;
        def _equal(a; b): a == b;
        def _notequal(a; b): a != b;
        def _less(a; b): a < b;
        def _lesseq(a; b): a <= b;
        def _greater(a; b): a > b;
        def _greatereq(a; b): a >= b;
        def _negate: - .;
        def _assign(paths; $value): paths = $value;
        def _modify(paths; update): paths |= update;
        def _input: input;
        def pick(pathexps): . as $top | reduce path(pathexps) as $p (null; setpath($p; $top | getpath($p)));
        .
        """
}
