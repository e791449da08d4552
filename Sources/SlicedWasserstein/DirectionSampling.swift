import LinearAlgebra

/// How the projection directions `θ_1 … θ_L ∈ S^{d−1}` are chosen.
///
/// Random directions are generated in fixed blocks (64 directions, or `d` for orthogonal frames),
/// block `b` from stream `b` of the seed (`Xoshiro256StarStar(seed:stream:)`), so the directions —
/// and every estimate — depend only on the seed, never on the thread count.
public enum DirectionSampling: Sendable {
    /// Independent uniform directions (a Gaussian vector divided by its norm).
    case uniform
    /// Blocks of `d` orthonormal directions (QR of a Gaussian matrix with the sign of `R`'s
    /// diagonal fixed, i.e. Haar-random frames); each direction is still uniform on the sphere.
    case orthogonal
    /// User-supplied directions: the columns of a `d × L` matrix (normalized to unit length).
    case given(Matrix)

    static let blockSize = 64

    /// The `d × L` matrix of directions.
    func directions(dimension d: Int, count L: Int, seed: UInt64) throws -> Matrix {
        switch self {
        case .given(let m):
            guard m.rows == d else {
                throw SlicedWassersteinError.dimensionMismatch("directions have dimension \(m.rows), points \(d)")
            }
            guard m.columns >= 1 else { throw SlicedWassersteinError.emptyMeasure("directions") }
            if let bad = Validate.firstNonFiniteIndex(m) {
                throw SlicedWassersteinError.nonFinitePoint(measure: "directions", row: bad.row, column: bad.column)
            }
            var out = m
            for j in 0..<m.columns {
                let norm = (0..<d).reduce(0.0) { $0 + m[$1, j] * m[$1, j] }.squareRoot()
                guard norm > 0 else {
                    throw SlicedWassersteinError.invalidParameter(name: "direction \(j)", value: 0, requirement: "directions must be non-zero")
                }
                for i in 0..<d { out[i, j] = m[i, j] / norm }
            }
            return out
        case .uniform:
            var out = Matrix(rows: d, columns: L)
            var start = 0, block = 0
            while start < L {
                let count = min(DirectionSampling.blockSize, L - start)
                var g = Xoshiro256StarStar(seed: seed, stream: block)
                let dirs = try RandomSampling.uniformDirections(dimension: d, count: count, using: &g)
                out.withUnsafeMutableBufferPointer { o in
                    dirs.withUnsafeBufferPointer { s in
                        for k in 0..<(d * count) { o[start * d + k] = s[k] }
                    }
                }
                start += count
                block += 1
            }
            return out
        case .orthogonal:
            var out = Matrix(rows: d, columns: L)
            var start = 0, block = 0
            while start < L {
                let count = min(d, L - start)
                var g = Xoshiro256StarStar(seed: seed, stream: block)
                let gauss = Matrix.randomNormal(rows: d, columns: d, using: &g)
                let qr = try QR(gauss)
                for j in 0..<count {
                    let sign: Double = qr.r[j, j] < 0 ? -1 : 1
                    for i in 0..<d { out[i, start + j] = sign * qr.q[i, j] }
                }
                start += count
                block += 1
            }
            return out
        }
    }
}
