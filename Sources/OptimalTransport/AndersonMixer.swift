import LinearAlgebra

/// Windowed Anderson acceleration (type II) of a fixed-point iteration `y ← T(y)`, with a
/// residual safeguard.
///
/// Given the latest point `y_k` and its image `T(y_k)`, with residual `f_k = T(y_k) − y_k`, the
/// mixer keeps the last `depth + 1` images `g_i` and residuals `f_i` and returns
/// `T(y_k) − ΔG γ`, where `γ` minimizes `‖f_k − ΔF γ‖² + λ‖γ‖²` over the differences of consecutive
/// residuals `ΔF` (and images `ΔG`). `λ = 1e-10 · tr(ΔFᵀΔF)` keeps the small normal equations
/// factorable when the residual differences are nearly dependent.
///
/// **Safeguard.** Extrapolation can overshoot. When a residual exceeds twice the previous one,
/// the point that produced it is rejected: the mixer returns the previous image `T(y_{k−1})` (the
/// plain step from the last accepted point) and forgets its history. A normal-equation matrix
/// that does not factor, or a non-finite extrapolation, also restarts the window from the plain
/// step. So the iteration never does worse than plain fixed-point steps for long, and every
/// restart is counted.
///
/// The normal-equation matrix is kept up to date one row at a time: a step costs `O(depth · n)`
/// for the dot products and the combination, plus `O(depth³/3)` for its Cholesky factor.
struct AndersonMixer {
    /// Number of residual differences kept.
    let depth: Int
    /// Residual differences `Δf_i` (oldest first) and the matching image differences `Δg_i`.
    private var residualDifferences: [[Double]] = []
    private var imageDifferences: [[Double]] = []
    /// `ΔFᵀΔF`, row-major, `residualDifferences.count` square.
    private var gram: [[Double]] = []
    private var lastImage: [Double]?
    private var lastResidual: [Double]?
    private var lastResidualNorm = Double.infinity
    /// Times the window was restarted (rejections included).
    private(set) var restarts = 0
    /// Points rejected by the residual safeguard.
    private(set) var rejections = 0

    /// Ratio of consecutive residual norms above which the newer point is rejected.
    static let growthLimit = 2.0
    /// Tikhonov weight relative to `tr(ΔFᵀΔF)`.
    static let regularization = 1e-10

    init(depth: Int) {
        self.depth = depth
    }

    /// Forgets the history (the next call starts a new window).
    mutating func reset() {
        residualDifferences.removeAll(keepingCapacity: true)
        imageDifferences.removeAll(keepingCapacity: true)
        gram.removeAll(keepingCapacity: true)
        lastImage = nil
        lastResidual = nil
        lastResidualNorm = .infinity
    }

    /// The next point after `point` and its image `T(point)`; `rejected` when the safeguard
    /// returned the previous plain step instead.
    mutating func next(point: [Double], image: [Double]) -> (point: [Double], rejected: Bool) {
        var residual = image
        var norm2 = 0.0
        for i in residual.indices {
            residual[i] -= point[i]
            norm2 += residual[i] * residual[i]
        }
        let norm = norm2.squareRoot()
        if let previous = lastImage, !(norm <= AndersonMixer.growthLimit * lastResidualNorm) {
            reset()
            restarts += 1
            rejections += 1
            return (previous, true)
        }
        if let lastImage, let lastResidual {
            let df = zip(residual, lastResidual).map { $0 - $1 }
            let dg = zip(image, lastImage).map { $0 - $1 }
            if residualDifferences.count == depth {
                residualDifferences.removeFirst()
                imageDifferences.removeFirst()
                gram.removeFirst()
                for i in gram.indices { gram[i].removeFirst() }
            }
            var row = residualDifferences.map { AndersonMixer.dot($0, df) }
            row.append(AndersonMixer.dot(df, df))
            for i in gram.indices { gram[i].append(row[i]) }
            gram.append(row)
            residualDifferences.append(df)
            imageDifferences.append(dg)
        }
        lastImage = image
        lastResidual = residual
        lastResidualNorm = norm
        let k = residualDifferences.count
        guard k > 0 else { return (image, false) }
        var trace = 0.0
        for i in 0..<k { trace += gram[i][i] }
        let shift = AndersonMixer.regularization * trace
        let a = Matrix(rows: k, columns: k) { i, j in gram[i][j] + (i == j ? shift : 0) }
        let b = residualDifferences.map { AndersonMixer.dot($0, residual) }
        let gamma: [Double]
        do {
            gamma = try Cholesky(a).solve(b)
        } catch {
            return restart(keeping: image, residual: residual, norm: norm)
        }
        var result = image
        for (c, dg) in zip(gamma, imageDifferences) {
            for i in result.indices { result[i] -= c * dg[i] }
        }
        guard result.allSatisfy({ $0.isFinite }) else {
            return restart(keeping: image, residual: residual, norm: norm)
        }
        return (result, false)
    }

    /// Counts a point rejected by the caller's own safeguard (the caller resets the window).
    mutating func noteRejection() {
        restarts += 1
        rejections += 1
    }

    /// Restarts the window from the plain step `image`.
    private mutating func restart(keeping image: [Double], residual: [Double], norm: Double) -> (point: [Double], rejected: Bool) {
        reset()
        restarts += 1
        lastImage = image
        lastResidual = residual
        lastResidualNorm = norm
        return (image, false)
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
