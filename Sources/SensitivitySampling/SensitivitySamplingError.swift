/// Errors thrown by the `SensitivitySampling` entry points; each says what was wrong and where.
public enum SensitivitySamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The matrix has no rows or no columns.
    case emptyMatrix
    /// An entry is NaN or infinite.
    case nonFiniteEntry(row: Int, column: Int)
    /// Fewer rows than columns where a tall matrix is required.
    case tooFewRows(rows: Int, columns: Int)
    /// A row is entirely zero (it has no sensitivity and breaks the weighted iterations).
    case zeroRow(Int)
    /// Shapes that must agree do not.
    case dimensionMismatch(String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// An iteration did not reach its tolerance and its fallback did not either.
    case noConvergence(String)

    /// A readable description.
    public var description: String {
        switch self {
        case .emptyMatrix: return "matrix is empty"
        case let .nonFiniteEntry(r, c): return "matrix entry at row \(r), column \(c) is not finite"
        case let .tooFewRows(r, c): return "matrix has \(r) rows but \(c) columns: need at least as many rows as columns"
        case let .zeroRow(i): return "row \(i) is zero"
        case let .dimensionMismatch(d): return "dimension mismatch: \(d)"
        case let .invalidParameter(n, v, r): return "parameter \(n) = \(v) is invalid: \(r)"
        case let .noConvergence(d): return "no convergence: \(d)"
        }
    }
}

import LinearAlgebra

enum Check {
    /// Finite, non-empty; optionally tall and without zero rows.
    static func matrix(_ a: Matrix, tall: Bool = true, noZeroRows: Bool = false) throws {
        guard a.rows > 0, a.columns > 0 else { throw SensitivitySamplingError.emptyMatrix }
        if let bad = Validate.firstNonFiniteIndex(a) {
            throw SensitivitySamplingError.nonFiniteEntry(row: bad.row, column: bad.column)
        }
        if tall && a.rows < a.columns { throw SensitivitySamplingError.tooFewRows(rows: a.rows, columns: a.columns) }
        if noZeroRows {
            var nonzero = [Bool](repeating: false, count: a.rows)
            a.withUnsafeBufferPointer { x in
                for j in 0..<a.columns { for i in 0..<a.rows where x[i + j * a.rows] != 0 { nonzero[i] = true } }
            }
            if let z = nonzero.firstIndex(of: false) { throw SensitivitySamplingError.zeroRow(z) }
        }
    }

    static func p(_ p: Double) throws {
        guard p >= 1, p.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "p", value: p, requirement: "must be ≥ 1 and finite")
        }
    }
}
