import Foundation
import SwirlCore
import SwirlExpressions

/// Measures Swirl's jq engine on its own, in process: compiling expressions, and evaluating two
/// expressions over data read from files (the same files `scripts/bench-run` gives the `jq`
/// program, so the two can be compared).
///
/// Usage: SwirlBenchmarks expressions NUMBERS.json OBJECTS.json [runs]
///   NUMBERS.json: `{"xs": [...]}`, evaluated with `.xs | add`
///   OBJECTS.json: an array of objects, evaluated with ``heavy``
enum ExpressionBenchmarks {
    /// The heavy expression: grouping, mapping and selecting over many objects.
    static let heavy = "group_by(.group) | map({group: .[0].group, count: length, total: (map(.value) | add)}) | map(select(.count > 5)) | length"

    static func run(numbersFile: String, objectsFile: String, runs: Int) throws {
        // Compiling: 10,000 distinct expressions in one bundle, as a large workflow has them.
        let sources = (0..<10_000).map { ExpressionSource(".items | map(.price * \($0)) | add // 0") }
        var compileTimes: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            let bundle = try ExpressionBundle(sources: sources)
            compileTimes.append(seconds(ContinuousClock.now - start))
            precondition(bundle.distinctCount == sources.count)
        }
        print("compile: 10,000 distinct expressions, median \(format(median(compileTimes) / 10_000 * 1e6)) µs per expression")

        let numbers = try JSON(parsing: String(contentsOfFile: numbersFile, encoding: .utf8))
        let objects = try JSON(parsing: String(contentsOfFile: objectsFile, encoding: .utf8))
        for (name, source, data) in [("add", ".xs | add", numbers), ("heavy", heavy, objects)] {
            let bundle = try ExpressionBundle(sources: [ExpressionSource(source)])
            var times: [Double] = []
            var result: JSON = .null
            for _ in 0..<max(runs, 3) {
                let start = ContinuousClock.now
                result = try bundle.evaluate(0, on: data, arguments: ExpressionArguments())
                times.append(seconds(ContinuousClock.now - start))
            }
            print("\(name): `\(source)`, median \(format(median(times) * 1000)) ms per evaluation, result \(result.serialized())")
        }
    }

    static func median(_ values: [Double]) -> Double {
        values.sorted()[values.count / 2]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ value: Double) -> String {
        String(format: value < 10 ? "%.2f" : "%.1f", value)
    }
}
