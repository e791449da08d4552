/// Solver for Kronecker sums `(Σ_t I ⊗ … ⊗ A_t ⊗ … ⊗ I + shift · I) x = c` with symmetric
/// factors, by eigendecomposition of each factor.
///
/// For two factors this is the Sylvester-type system `(A ⊗ I + I ⊗ B) x = c`, i.e.
/// `B X + X Aᵀ = C` for `x = vec(X)` (see `Kronecker` for the index convention). With
/// `A_t = U_t Λ_t U_tᵀ`, the solution is `x = (⊗U_t) [ ((⊗U_t)ᵀ c) ./ (Σ_t λ_t + shift) ]`.
public struct KroneckerSumSolver: Sendable {
    /// Eigendecompositions of the factors, in order.
    public let factors: [SymmetricEigen]
    /// The diagonal shift added to the Kronecker sum.
    public let shift: Double
    /// Eigenvalues of the whole Kronecker sum, in `vec` order (last factor fastest).
    public let eigenvalues: [Double]

    /// Decomposes every factor.
    /// - Throws: `.emptyInput` for no factors; `.notSymmetric`, `.nonFiniteEntry` from a factor;
    ///   `.singular` if some eigenvalue of the sum is (numerically) zero;
    ///   `.invalidArgument` for a non-finite shift.
    /// - Complexity: O(Σ n_t³) once, then O(N Σ n_t) per solve.
    public init(factors matrices: [Matrix], shift: Double = 0) throws {
        let routine = "KroneckerSumSolver"
        guard !matrices.isEmpty else { throw LinearAlgebraError.emptyInput(routine: routine, argument: "factors") }
        guard shift.isFinite else {
            throw LinearAlgebraError.invalidArgument(routine: routine, argument: "shift", reason: "must be finite")
        }
        for (t, m) in matrices.enumerated() {
            try Validate.finite(m, routine: routine, argument: "factor \(t)")
            try Validate.symmetric(m, routine: "\(routine) (factor \(t))")
        }
        factors = try matrices.map { try SymmetricEigen($0) }
        self.shift = shift
        var sums = [shift]
        for f in factors {
            var next = [Double]()
            next.reserveCapacity(sums.count * f.eigenvalues.count)
            for s in sums { for l in f.eigenvalues { next.append(s + l) } }
            sums = next
        }
        eigenvalues = sums
        let scale = sums.reduce(0) { Swift.max($0, Swift.abs($1)) }
        let floor = Double(sums.count) * Double.ulpOfOne * Swift.max(scale, Double.leastNormalMagnitude)
        if let bad = sums.firstIndex(where: { Swift.abs($0) <= floor }) {
            throw LinearAlgebraError.singular(routine: routine, index: bad + 1)
        }
    }

    /// Total order `N = Π n_t`.
    public var dimension: Int { eigenvalues.count }

    /// Solves the system for the right-hand side `c`.
    /// - Throws: `.dimensionMismatch` if `c.count ≠ N`, `.nonFiniteEntry` for NaN/Inf in `c`.
    public func solve(_ c: [Double]) throws -> [Double] {
        guard c.count == dimension else {
            throw LinearAlgebraError.dimensionMismatch(
                routine: "KroneckerSumSolver.solve", detail: "system has order \(dimension), right-hand side \(c.count)")
        }
        try Validate.finite(c, routine: "KroneckerSumSolver.solve", argument: "right-hand side")
        let vectors = factors.map(\.eigenvectors)
        var z = try Kronecker.multiply(vectors.map(\.transposed), c)
        for i in 0..<z.count { z[i] /= eigenvalues[i] }
        return try Kronecker.multiply(vectors, z)
    }
}
