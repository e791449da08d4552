import Foundation
import LinearAlgebra

/// Where and how a bench run was made; written into every JSON record (`run`) so that a figure
/// always travels with its source.
struct RunMetadata: Codable, Equatable {
    var date: String
    var commit: String
    var seed: UInt64
    var threads: Int
    var quick: Bool
    var suites: [String]
    var blasCore: String
    var vectorInstructionSet: String
    var cpu: String

    static func current(seed: UInt64, threads: Int, quick: Bool, suites: [String]) -> RunMetadata {
        let formatter = ISO8601DateFormatter()
        return RunMetadata(
            date: formatter.string(from: Date()), commit: gitCommit(), seed: seed, threads: threads, quick: quick,
            suites: suites, blasCore: OpenBLAS.coreName, vectorInstructionSet: VectorInstructionSet.active.rawValue,
            cpu: cpuModel())
    }

    /// `git rev-parse HEAD` of the working directory (with `-dirty` for uncommitted changes), or
    /// `KANTOROVICH_COMMIT` when set, or "unknown".
    static func gitCommit() -> String {
        if let given = ProcessInfo.processInfo.environment["KANTOROVICH_COMMIT"] { return given }
        guard let head = run("git", ["rev-parse", "HEAD"]) else { return "unknown" }
        let dirty = run("git", ["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
        return head + (dirty ? "-dirty" : "")
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
