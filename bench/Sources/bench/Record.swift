import Foundation

/// A JSON value for the `extra` field of a record.
enum JSONValue: Codable {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): if x.isFinite { try c.encode(x) } else { try c.encodeNil() }
        case .integer(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        }
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else { self = .string(try c.decode(String.self)) }
    }

    /// The value as a table cell.
    var text: String {
        switch self {
        case .number(let x): return abs(x) >= 1e-3 && abs(x) < 1e5 ? String(format: "%.4g", x) : String(format: "%.3e", x)
        case .integer(let i): return String(i)
        case .string(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .null: return "—"
        }
    }
}

/// One result: a (suite, case, method) triple with its figures (see the design's bench.md).
/// `iterations`, `seconds`, `error` and `value` are always written, as null where meaningless.
struct Record: Codable {
    var suite: String
    var caseName: String
    var method: String
    var iterations: Int?
    var innerIterations: Int?
    var seconds: Double?
    var error: Double?
    var value: Double?
    var baseline: String?
    var converged: Bool?
    var extra: [String: JSONValue] = [:]
    /// The run this record belongs to (filled in when the JSON file is written).
    var run: RunMetadata?

    enum CodingKeys: String, CodingKey {
        case suite, caseName = "case", method, iterations, innerIterations, seconds, error, value, baseline, converged, extra, run
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(suite, forKey: .suite)
        try c.encode(caseName, forKey: .caseName)
        try c.encode(method, forKey: .method)
        try c.encode(iterations, forKey: .iterations)
        if let inner = innerIterations { try c.encode(inner, forKey: .innerIterations) }
        try encodeFinite(seconds, .seconds, &c)
        try encodeFinite(error, .error, &c)
        try encodeFinite(value, .value, &c)
        try c.encode(baseline, forKey: .baseline)
        try c.encode(converged, forKey: .converged)
        try c.encode(extra, forKey: .extra)
        try c.encodeIfPresent(run, forKey: .run)
    }

    private func encodeFinite(_ x: Double?, _ key: CodingKeys, _ c: inout KeyedEncodingContainer<CodingKeys>) throws {
        if let x, x.isFinite { try c.encode(x, forKey: key) } else { try c.encodeNil(forKey: key) }
    }
}

enum JSONOutput {
    static func write(_ records: [Record], run: RunMetadata, to url: URL) throws {
        let records = records.map { r in
            var r = r
            r.run = run
            return r
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(records).write(to: url)
    }
}

extension Record {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(suite: try c.decode(String.self, forKey: .suite), caseName: try c.decode(String.self, forKey: .caseName),
                  method: try c.decode(String.self, forKey: .method),
                  iterations: try c.decodeIfPresent(Int.self, forKey: .iterations),
                  innerIterations: try c.decodeIfPresent(Int.self, forKey: .innerIterations),
                  seconds: try c.decodeIfPresent(Double.self, forKey: .seconds),
                  error: try c.decodeIfPresent(Double.self, forKey: .error),
                  value: try c.decodeIfPresent(Double.self, forKey: .value),
                  baseline: try c.decodeIfPresent(String.self, forKey: .baseline),
                  converged: try c.decodeIfPresent(Bool.self, forKey: .converged),
                  extra: try c.decodeIfPresent([String: JSONValue].self, forKey: .extra) ?? [:],
                  run: try c.decodeIfPresent(RunMetadata.self, forKey: .run))
    }
}
