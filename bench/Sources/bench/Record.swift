import Foundation

/// A JSON value for the `extra` field of a record.
enum JSONValue: Encodable {
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
}

/// One result: a (suite, case, method) triple with its figures (see the design's bench.md).
/// `iterations`, `seconds`, `error` and `value` are always written, as null where meaningless.
struct Record: Encodable {
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

    enum CodingKeys: String, CodingKey {
        case suite, caseName = "case", method, iterations, innerIterations, seconds, error, value, baseline, converged, extra
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
    }

    private func encodeFinite(_ x: Double?, _ key: CodingKeys, _ c: inout KeyedEncodingContainer<CodingKeys>) throws {
        if let x, x.isFinite { try c.encode(x, forKey: key) } else { try c.encodeNil(forKey: key) }
    }
}

enum JSONOutput {
    static func write(_ records: [Record], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(records).write(to: url)
    }
}
