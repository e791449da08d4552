/// Input checks shared by the public entry points of SensitivitySampling.
import LinearAlgebra

package enum Check {
    /// Finite, non-empty; optionally tall and without zero rows.
    package static func matrix(_ a: Matrix, tall: Bool = true, noZeroRows: Bool = false) throws {
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

    /// The sample's row indices all address rows of a matrix with `rows` rows.
    static func sample(_ sample: RowSample, fitsRows rows: Int) throws {
        if let bad = sample.indices.first(where: { $0 < 0 || $0 >= rows }) {
            throw SensitivitySamplingError.dimensionMismatch("the sample keeps row \(bad) of a matrix with \(rows) rows")
        }
        guard sample.weights.count == sample.indices.count else {
            throw SensitivitySamplingError.dimensionMismatch("\(sample.weights.count) weights for \(sample.indices.count) rows")
        }
    }

    /// A count that must be at least `minimum`.
    static func count(_ value: Int, name: String, atLeast minimum: Int) throws {
        guard value >= minimum else {
            throw SensitivitySamplingError.invalidParameter(name: name, value: Double(value), requirement: "must be ≥ \(minimum)")
        }
    }

    package static func p(_ p: Double) throws {
        guard p >= 1, p.isFinite else {
            throw SensitivitySamplingError.invalidParameter(name: "p", value: p, requirement: "must be ≥ 1 and finite")
        }
    }
}
