import ArgumentParser
import Foundation
import KantorovichMPI
import LinearAlgebra
import OptimalTransport

/// `bench`: every algorithm against its baseline on built-in problems; iteration counts first.
/// `bench [SUITE ...]` runs suites (the default subcommand); `bench report FILE.json` turns a run's
/// JSON into the Markdown tables of bench/RESULTS.md.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Kantorovich benchmark: each algorithm against its baseline, iteration counts first.",
        subcommands: [RunSuites.self, Report.self],
        defaultSubcommand: RunSuites.self)
}

/// Runs benchmark suites.
struct RunSuites: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run benchmark suites (the default).",
        discussion: "Suites: \(Suite.allCases.map(\.rawValue).joined(separator: ", ")). None given means all but distributed, "
            + "which runs under mpirun (make bench-mpi RANKS=4).")

    @Argument(help: "Suites to run (default: all).")
    var suites: [Suite] = []

    @Flag(help: "Reduced sizes that finish in well under a minute in total.")
    var quick = false

    @Option(help: "Write every result as a JSON array of records to this path.")
    var json: String?

    @Option(help: "Write SVG figures into this directory.")
    var plots: String?

    @Option(help: "Seed for every randomized problem and estimator.")
    var seed: UInt64 = 20_240_501

    @Option(help: "Threads for OpenBLAS and the package's own parallel kernels (default: all cores).")
    var threads: Int?

    mutating func run() throws {
        Bench.selectBLASKernels()
        let threadCount = max(1, threads ?? Parallel.processorCount)
        OpenBLAS.setThreadCount(threadCount)
        let selected = suites.isEmpty ? Suite.allCases.filter { $0 != .distributed } : suites
        // The distributed suite starts MPI; only rank 0 prints and writes.
        let communicator = selected.contains(.distributed) ? try Communicator.world() : nil
        let root = (communicator?.rank ?? 0) == 0
        Progress.enabled = root
        var context = BenchContext(quick: quick, seed: seed, threads: threadCount,
                                   plotsDirectory: root ? plots.map { URL(fileURLWithPath: $0) } : nil, communicator: communicator)
        if let dir = context.plotsDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let metadata = RunMetadata.current(seed: seed, threads: threadCount, quick: quick, suites: selected.map(\.rawValue))
        if root { print("Kantorovich bench — \(quick ? "quick" : "full") run, seed \(seed), \(threadCount) thread(s), "
              + "OpenBLAS kernels: \(metadata.blasCore), vector kernels: \(metadata.vectorInstructionSet), commit \(metadata.commit)") }
        for suite in selected {
            Progress.log("suite \(suite.rawValue): start")
            try suite.run(&context)
            Progress.log("suite \(suite.rawValue): done")
        }
        if let path = json, root {
            try JSONOutput.write(context.records, run: metadata, to: URL(fileURLWithPath: path))
            Progress.log("wrote \(context.records.count) records to \(path)")
        }
        if communicator != nil { try Communicator.finalize() }
    }
}

extension Bench {
    /// OpenBLAS reads `OPENBLAS_CORETYPE` only when it loads. If it fell back to generic kernels on a
    /// CPU that supports better ones, re-execute this binary once with the variable set.
    static func selectBLASKernels() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              OpenBLAS.usesGenericKernels, let core = OpenBLAS.suggestedCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        Progress.log("OpenBLAS chose generic \(OpenBLAS.coreName) kernels; restarting with OPENBLAS_CORETYPE=\(core)")
        let args = CommandLine.arguments
        var cArgs = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        Progress.log("re-exec failed (errno \(errno)); continuing with \(OpenBLAS.coreName) kernels")
    }
}

/// The benchmark suites.
enum Suite: String, CaseIterable, ExpressibleByArgument {
    case linalg, sinkhorn, sliced, sensitivity, gpPDE = "gp-pde", distributed

    func run(_ context: inout BenchContext) throws {
        switch self {
        case .linalg: try LinalgSuite.run(&context)
        case .sinkhorn: try SinkhornSuite.run(&context)
        case .sliced: try SlicedSuite.run(&context)
        case .sensitivity: try SensitivitySuite.run(&context)
        case .gpPDE: try GPPDESuite.run(&context)
        case .distributed: try DistributedSuite.run(&context)
        }
    }
}

/// What every suite reads and appends to.
struct BenchContext {
    let quick: Bool
    let seed: UInt64
    let threads: Int
    let plotsDirectory: URL?
    /// The MPI ranks of the run, when the distributed suite was selected.
    var communicator: Communicator? = nil
    var records: [Record] = []

    mutating func add(_ record: Record) { records.append(record) }

    /// Writes an SVG figure when `--plots` was given.
    func writePlot(_ plot: SVGPlot, name: String) {
        guard let dir = plotsDirectory else { return }
        let url = dir.appendingPathComponent(name + ".svg")
        do {
            try plot.render().write(to: url, atomically: true, encoding: .utf8)
            Progress.log("plot \(url.path)")
        } catch {
            Progress.log("could not write plot \(url.path): \(error)")
        }
    }
}

/// Progress lines on stderr with the elapsed wall time.
enum Progress {
    static let start = Stopwatch()
    /// False on MPI ranks other than 0.
    nonisolated(unsafe) static var enabled = true

    static func log(_ message: String) {
        guard enabled else { return }
        let line = String(format: "[%7.2fs] ", start.elapsed) + message + "\n"
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
}

/// Best-of-`repeats` wall time of `body` after one warm-up run.
func bestTime(repeats: Int, warmup: Bool = true, _ body: () throws -> Void) rethrows -> Double {
    if warmup { try body() }
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let w = Stopwatch()
        try body()
        best = min(best, w.elapsed)
    }
    return best
}
