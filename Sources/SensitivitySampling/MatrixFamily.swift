import Foundation
import LinearAlgebra

/// Seeded test-matrix families (no downloads), chosen to separate the sampling schemes.
public enum MatrixFamily: String, Sendable, CaseIterable {
    /// i.i.d. standard normal entries: every scheme does about as well as uniform.
    case gaussian
    /// Student-t entries with ν = 2 degrees of freedom (heavy tails: a few dominant rows).
    case studentT = "student-t"
    /// Gaussian rows with 1 % of the rows (at least d) scaled by 100.
    case spiked
    /// Polynomial features `t^k`, `t` uniform in [−1, 1], plus 1e−6 noise (small total sensitivity for p > 2).
    case polynomial
    /// Stacked identity blocks: block `j` repeats `e_j` with sizes halving from block to block
    /// (the last blocks are single rows). Total sensitivity `d`; every block is critical, so
    /// uniform sampling misses small blocks while sensitivity sampling keeps them.
    case identityBlocks = "identity-blocks"

    /// An `n × d` matrix of the family.
    /// - Throws: `.invalidParameter` for `d < 1` or `n < d` (and `n < 2d` for identity blocks).
    public func generate(rows n: Int, columns d: Int, seed: UInt64) throws -> Matrix {
        guard d >= 1, n >= d else {
            throw SensitivitySamplingError.invalidParameter(name: "shape", value: Double(n), requirement: "need n ≥ d ≥ 1")
        }
        var g = Xoshiro256StarStar(seed: seed)
        switch self {
        case .gaussian:
            return Matrix.randomNormal(rows: n, columns: d, using: &g)
        case .studentT:
            return Matrix(rows: n, columns: d) { _, _ in
                let z = g.nextStandardNormal(), c1 = g.nextStandardNormal(), c2 = g.nextStandardNormal()
                return z / ((c1 * c1 + c2 * c2) / 2).squareRoot()
            }
        case .spiked:
            var m = Matrix.randomNormal(rows: n, columns: d, using: &g)
            let spikes = max(d, n / 100)
            var chosen = Set<Int>()
            while chosen.count < min(spikes, n) { chosen.insert(Int(g.next() % UInt64(n))) }
            for i in chosen { for k in 0..<d { m[i, k] *= 100 } }
            return m
        case .polynomial:
            let t = (0..<n).map { _ in 2 * g.nextUniform() - 1 }
            return Matrix(rows: n, columns: d) { i, k in pow(t[i], Double(k)) + 1e-6 * g.nextStandardNormal() }
        case .identityBlocks:
            guard n >= 2 * d else {
                throw SensitivitySamplingError.invalidParameter(name: "rows", value: Double(n), requirement: "identity blocks need n ≥ 2d")
            }
            var sizes = (0..<d).map { max(1, Int(Double(n) * pow(0.5, Double($0 + 1)))) }
            sizes[0] += n - sizes.reduce(0, +)
            var m = Matrix(rows: n, columns: d)
            var row = 0
            for (j, s) in sizes.enumerated() { for _ in 0..<s { m[row, j] = 1; row += 1 } }
            // Shuffle the rows so that blocks are not contiguous.
            var perm = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(i, Int(g.next() % UInt64(i + 1))) }
            return Matrix(rows: n, columns: d) { i, k in m[perm[i], k] }
        }
    }
}
