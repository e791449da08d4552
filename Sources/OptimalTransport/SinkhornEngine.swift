import Foundation
import LinearAlgebra

/// The Sinkhorn iteration shared by `Sinkhorn` and SNS's warm-up / fallback, on the unit-mass
/// reduced problem.
///
/// Two forms produce the same iterates:
/// - **log domain**: `x ← ε(log r + 1 − LSE_rows(η(y − C)))`, `y ← ε(log c + 1 − LSE_cols(η(x − C)))`;
/// - **absorption-stabilized kernel**: the potentials `x̄, ȳ` are absorbed into the kernel
///   `K = P(x̄, ȳ)` and the iteration runs on scalings, `u ← r ⊘ K v`, `v ← c ⊘ Kᵀu` (two dgemv per
///   iteration, no `exp`), with `x = x̄ + ε log u`, `y = ȳ + ε log v`. When a scaling leaves
///   `[e^−B, e^B]` (B = 50) it is absorbed and `K` rebuilt, so `K`'s entries never lose more than
///   `e^{2B}` of relative range to underflow — entries that small are below 1e−265 of the plan.
///   A row or column of `K` with zero or non-finite mass triggers an absorption, and if that does
///   not help, one log-domain iteration (always safe) before the kernel form resumes.
///
/// The error checked before each update is the L1 marginal error of the current plan; in kernel
/// form `P1 = u ⊙ K v` reuses the product the next `u`-update needs, so checking every iteration is
/// free. The column error after a `v`-update is the round-off of `v ⊙ Kᵀu − c`, also computed.
final class SinkhornEngine {
    let n: Int
    let m: Int
    let eta: Double
    let epsilon: Double
    let dual: EntropicDual
    let logDomainOnly: Bool
    let threads: Int
    let r: [Double]
    let c: [Double]
    let logR: [Double]
    let logC: [Double]

    // Absorbed potentials and scalings (kernel form); in log-domain form u = v = 1 and x̄, ȳ are
    // the potentials themselves.
    var xBar: [Double]
    var yBar: [Double]
    var u: [Double]
    var v: [Double]
    var kernel: [Double]
    var kv: [Double]
    var ktu: [Double]
    var lseRows: [Double]
    var lseColumns: [Double]
    /// Last results of the two reductions: references for the single-pass kernels.
    var previousRows: [Double]
    var previousColumns: [Double]
    var haveReferences = false
    var scratch: [Double]
    var columnError = 0.0
    var kernelValid = false
    var lseValid = false

    var absorptions = 0
    var logDomainIterations = 0

    /// Anderson acceleration of the column potential (`step(extrapolatingAbove:)`), when on.
    private(set) var mixer: AndersonMixer?
    /// The column potential the next accelerated step starts from.
    private var mixPoint: [Double]?
    /// The plain step's column potential, while the current one is an extrapolation.
    private var plainImage: [Double]?
    /// The plain iterate the current extrapolation started from: potentials, error and dual.
    private var beforeExtrapolation: (x: [Double], y: [Double], error: Double, dual: Double)?
    /// Plain steps still to run before extrapolating again.
    private var cooldown = 0

    static let bound = 50.0
    /// Relative loss of dual value (round-off allowance) at which an accelerated step is undone.
    static let dualSlack = 1e-13
    /// Largest change `η |Δy_j|` an extrapolation may make (a plan entry changes by at most
    /// `e^maxLogChange`).
    static let maxLogChange = 20.0
    /// Plain steps after an undone extrapolation before the next one.
    static let cooldownSteps = 10

    init(dual: EntropicDual, logDomainOnly: Bool, threads: Int) {
        self.dual = dual
        n = dual.rows
        m = dual.columns
        eta = dual.eta
        epsilon = 1 / dual.eta
        self.logDomainOnly = logDomainOnly
        self.threads = threads
        r = dual.source
        c = dual.target
        logR = VectorMath.log(r)
        logC = VectorMath.log(c)
        xBar = [Double](repeating: 0, count: n)
        yBar = [Double](repeating: 0, count: m)
        u = [Double](repeating: 1, count: n)
        v = [Double](repeating: 1, count: m)
        kernel = logDomainOnly ? [] : [Double](repeating: 0, count: n * m)
        kv = [Double](repeating: 0, count: n)
        ktu = [Double](repeating: 0, count: m)
        lseRows = [Double](repeating: 0, count: n)
        lseColumns = [Double](repeating: 0, count: m)
        previousRows = [Double](repeating: 0, count: n)
        previousColumns = [Double](repeating: 0, count: m)
        scratch = [Double](repeating: 0, count: max(n, m))
    }

    /// Starts from given potentials, or — without them — from one log-domain iteration on zero
    /// potentials (counted by the caller as the first iteration).
    func start(x: [Double]?, y: [Double]?) {
        if let x, let y {
            xBar = x
            yBar = y
        } else {
            xBar = [Double](repeating: 0, count: n)
            yBar = [Double](repeating: 0, count: m)
            logDomainStep()
        }
        for i in 0..<n { u[i] = 1 }
        for j in 0..<m { v[j] = 1 }
        kernelValid = false
        lseValid = false
        if !logDomainOnly { rebuildKernel() }
        // New potentials begin a new trajectory: the acceleration's history does not carry over.
        mixer?.reset()
        mixPoint = nil
        plainImage = nil
        beforeExtrapolation = nil
        cooldown = 0
    }

    /// Turns Anderson acceleration on for `step(extrapolatingAbove:)` (no-op when already on).
    func accelerate(depth: Int) {
        if mixer == nil { mixer = AndersonMixer(depth: depth) }
    }


    /// Restarts of the acceleration's window so far.
    var andersonRestarts: Int { mixer?.restarts ?? 0 }

    /// One iteration and the L1 marginal error and dual value of its plain step; with acceleration
    /// on, the column potential is then extrapolated unless that error is at most `threshold` (or
    /// not finite). When `extrapolated`, the current plan pairs `x` with a `y` it was not computed
    /// from: the figures returned are the plain step's, and the current plan must not be tested
    /// for convergence (`settle()` returns to the plain step).
    func step(extrapolatingAbove threshold: Double) -> (error: Double, dual: Double, extrapolated: Bool) {
        let fromExtrapolation = plainImage != nil
        let origin = mixPoint ?? columnPotential()
        plainStep()
        plainImage = nil
        let plain = check()
        guard var active = mixer else {
            mixPoint = nil
            return (plain.error, plain.dual, false)
        }
        // Plain steps never lower the dual value (block-coordinate ascent); an extrapolation
        // may. A step from an extrapolated point that ends below the dual value of the plain
        // iterate it was extrapolated from returns to that iterate, restarts the window and runs
        // `cooldownSteps` plain steps before extrapolating again. So the dual value of the plain
        // iterates the run keeps never decreases, and between two rejections the run makes at
        // least that many plain steps of progress.
        if fromExtrapolation, let before = beforeExtrapolation,
           !(plain.dual >= before.dual - SinkhornEngine.dualSlack * max(1, abs(before.dual))) {
            start(x: before.x, y: before.y)
            active.reset()
            active.noteRejection()
            mixer = active
            mixPoint = before.y
            cooldown = SinkhornEngine.cooldownSteps
            return (before.error, before.dual, false)
        }
        beforeExtrapolation = nil
        let image = columnPotential()
        mixPoint = image
        if cooldown > 0 {
            cooldown -= 1
            return (plain.error, plain.dual, false)
        }
        guard plain.error > threshold, plain.error.isFinite else {
            return (plain.error, plain.dual, false)
        }
        var next = active.next(point: origin, image: image).point
        mixer = active
        // T commutes with adding a constant to y (x absorbs it), so the extrapolation is free to
        // drift along constants; left alone, x and y grow in opposite directions until
        // x_i + y_j − C_ij cancels catastrophically. Keep the plain step's weighted mean.
        // And, like SNS's Newton steps, the extrapolation changes no plan entry by more than a
        // factor e^maxLogChange: a longer correction is scaled down to that length.
        var shift = 0.0
        for j in 0..<m { shift += c[j] * (image[j] - next[j]) }
        var largest = 0.0
        for j in 0..<m {
            next[j] += shift
            largest = max(largest, abs(next[j] - image[j]))
        }
        if !(eta * largest <= SinkhornEngine.maxLogChange) {
            let scale = SinkhornEngine.maxLogChange / (eta * largest)
            for j in 0..<m { next[j] = image[j] + scale * (next[j] - image[j]) }
        }
        beforeExtrapolation = (potentials().0, image, plain.error, plain.dual)
        setColumnPotential(next)
        mixPoint = next
        plainImage = image
        return (plain.error, plain.dual, true)
    }

    /// Undoes a pending extrapolation (the plan is then the last plain step's).
    func settle() {
        guard let image = plainImage else { return }
        setColumnPotential(image)
        mixPoint = image
        plainImage = nil
    }

    /// Current potentials `(x, y)`.
    func potentials() -> ([Double], [Double]) {
        if logDomainOnly || !kernelValid { return (xBar, yBar) }
        let lu = VectorMath.log(u), lv = VectorMath.log(v)
        return ((0..<n).map { xBar[$0] + epsilon * lu[$0] }, (0..<m).map { yBar[$0] + epsilon * lv[$0] })
    }

    /// The current column potential `y` (what an accelerated iteration extrapolates).
    func columnPotential() -> [Double] {
        if logDomainOnly || !kernelValid { return yBar }
        let lv = VectorMath.log(v)
        return (0..<m).map { yBar[$0] + epsilon * lv[$0] }
    }

    /// Replaces the column potential by `y` (finite), keeping the row potential, and brings the
    /// cached products and the column error up to date, so that `check()` and `step()` see the
    /// plan `P(x, y)`. In kernel form `v = e^{η(y − ȳ)}`; a `v` outside `[e^−B, e^B]` is absorbed.
    func setColumnPotential(_ y: [Double]) {
        if logDomainOnly || !kernelValid {
            // lseColumns is the column reduction of the current x: the column sums of P(x, y)
            // are e^{η y_j − 1 + lseColumns_j}.
            yBar = y
            var colErr = 0.0
            for j in 0..<m { colErr += abs(Foundation.exp(eta * yBar[j] - 1 + lseColumns[j]) - c[j]) }
            columnError = colErr
            lseValid = false
            return
        }
        let limit = Foundation.exp(SinkhornEngine.bound)
        var healthy = true
        for j in 0..<m {
            let vj = Foundation.exp(eta * (y[j] - yBar[j]))
            v[j] = vj
            if !(vj > 1 / limit && vj < limit) { healthy = false }
        }
        if !healthy {
            // Fold everything into the potentials: x from u, y as given.
            let lu = VectorMath.log(u)
            for i in 0..<n { xBar[i] += epsilon * lu[i] }
            yBar = y
            for i in 0..<n { u[i] = 1 }
            for j in 0..<m { v[j] = 1 }
            rebuildKernel()
            absorptions += 1
            if !kernelHealthy() {
                logDomainStep()
                rebuildKernel()
            }
            return
        }
        var colErr = 0.0
        for j in 0..<m { colErr += abs(v[j] * ktu[j] - c[j]) }
        columnError = colErr
        gemv(transpose: false)
        if !kernelHealthy() {
            absorb()
            if !kernelHealthy() {
                logDomainStep()
                rebuildKernel()
            }
        }
    }

    /// L1 marginal error and dual value of the current plan (unit-mass problem).
    func check() -> (error: Double, dual: Double) {
        var rowError = 0.0, planMass = 0.0
        var rx = 0.0, cy = 0.0
        if logDomainOnly || !kernelValid {
            computeLSERows()
            for i in 0..<n {
                let a = Foundation.exp(eta * xBar[i] - 1 + lseRows[i])
                rowError += abs(a - r[i])
                planMass += a
                rx += r[i] * xBar[i]
            }
            for j in 0..<m { cy += c[j] * yBar[j] }
        } else {
            for i in 0..<n {
                let a = u[i] * kv[i]
                rowError += abs(a - r[i])
                planMass += a
            }
            u.withUnsafeBufferPointer { ub in scratch.withUnsafeMutableBufferPointer { VectorMath.log(ub, into: UnsafeMutableBufferPointer(rebasing: $0[0..<n])) } }
            for i in 0..<n { rx += r[i] * (xBar[i] + epsilon * scratch[i]) }
            v.withUnsafeBufferPointer { vb in scratch.withUnsafeMutableBufferPointer { VectorMath.log(vb, into: UnsafeMutableBufferPointer(rebasing: $0[0..<m])) } }
            for j in 0..<m { cy += c[j] * (yBar[j] + epsilon * scratch[j]) }
        }
        return (rowError + columnError, -epsilon * planMass + rx + cy)
    }

    /// One full iteration (row update, then column update), never extrapolated.
    func step() {
        mixPoint = nil
        plainImage = nil
        plainStep()
    }

    func plainStep() {
        if logDomainOnly || !kernelValid {
            logDomainStep()
            if !logDomainOnly { rebuildKernel() }
            return
        }
        var uMin = Double.infinity, uMax = 0.0
        for i in 0..<n {
            let ui = r[i] / kv[i]
            u[i] = ui
            uMin = min(uMin, ui)
            uMax = max(uMax, ui)
        }
        gemv(transpose: true)
        var vMin = Double.infinity, vMax = 0.0
        var colErr = 0.0
        for j in 0..<m {
            let vj = c[j] / ktu[j]
            v[j] = vj
            vMin = min(vMin, vj)
            vMax = max(vMax, vj)
            colErr += abs(vj * ktu[j] - c[j])
        }
        columnError = colErr
        let limit = Foundation.exp(SinkhornEngine.bound)
        let healthy = uMin > 1 / limit && uMax < limit && vMin > 1 / limit && vMax < limit && colErr.isFinite
        if !healthy {
            absorb()
            if !kernelHealthy() {
                // The kernel lost a row or column to underflow: one log-domain iteration is safe.
                logDomainStep()
                rebuildKernel()
            }
            return
        }
        gemv(transpose: false)
        if !kernelHealthy() {
            absorb()
            if !kernelHealthy() {
                logDomainStep()
                rebuildKernel()
            }
        }
    }

    /// Folds the scalings into the potentials and rebuilds `K` (u = v = 1 afterwards).
    func absorb() {
        let (x, y) = potentials()
        if x.allSatisfy({ $0.isFinite }) && y.allSatisfy({ $0.isFinite }) {
            xBar = x
            yBar = y
        } else {
            // A scaling hit 0 or ∞: keep the last finite potentials and recover in the log domain.
            logDomainStep()
        }
        for i in 0..<n { u[i] = 1 }
        for j in 0..<m { v[j] = 1 }
        rebuildKernel()
        absorptions += 1
    }

    /// `K = P(x̄, ȳ)`, `K v` for `v = 1` and `Kᵀu` for `u = 1` (the scalings are 1 whenever the
    /// kernel is rebuilt); sets the column error of the absorbed plan.
    func rebuildKernel() {
        var colSums = [Double](repeating: 0, count: m)
        kernel.withUnsafeMutableBufferPointer { kb in
            kv.withUnsafeMutableBufferPointer { kvb in
                colSums.withUnsafeMutableBufferPointer { cs in
                    dual.computePlan(x: xBar, y: yBar, into: kb.baseAddress!, rowSums: kvb.baseAddress!, columnSums: cs.baseAddress!)
                }
            }
        }
        var colErr = 0.0
        for j in 0..<m { colErr += abs(colSums[j] - c[j]) }
        columnError = colErr
        // u = 1 here, so the column sums are Kᵀu.
        ktu = colSums
        kernelValid = true
        lseValid = false
    }

    func kernelHealthy() -> Bool {
        for i in 0..<n where !(kv[i] > 0 && kv[i].isFinite) { return false }
        return true
    }

    /// `ktu = Kᵀ u` or `kv = K v` (dgemv over the kernel).
    func gemv(transpose: Bool) {
        kernel.withUnsafeBufferPointer { kb in
            if transpose {
                u.withUnsafeBufferPointer { ub in ktu.withUnsafeMutableBufferPointer { out in
                    UnsafeBLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, a: kb.baseAddress!, lda: n,
                                    x: ub.baseAddress!, beta: 0, y: out.baseAddress!)
                } }
            } else {
                v.withUnsafeBufferPointer { vb in kv.withUnsafeMutableBufferPointer { out in
                    UnsafeBLAS.gemv(transpose: false, rows: n, columns: m, alpha: 1, a: kb.baseAddress!, lda: n,
                                    x: vb.baseAddress!, beta: 0, y: out.baseAddress!)
                } }
            }
        }
    }

    func computeLSERows() {
        if lseValid { return }
        for j in 0..<m { scratch[j] = eta * yBar[j] }
        logSumExp(rows: true, into: &lseRows, previous: &previousRows)
        lseValid = true
    }

    /// One log-sum-exp pass over `−η C` with the offsets in `scratch` (rows: `η y`, columns:
    /// `η x`), single-pass with the previous result as reference once there is one.
    func logSumExp(rows: Bool, into result: inout [Double], previous: inout [Double]) {
        if haveReferences { swap(&previous, &result) }
        let useReference = haveReferences
        dual.cost.withUnsafeBufferPointer { cb in
            scratch.withUnsafeBufferPointer { sb in
                previous.withUnsafeBufferPointer { ref in
                    result.withUnsafeMutableBufferPointer { out in
                        let reference = useReference ? ref.baseAddress : nil
                        if rows {
                            LogSumExp.rows(rows: n, columns: m, matrix: cb.baseAddress, scale: -eta, columnOffsets: sb.baseAddress,
                                           reference: reference, into: out.baseAddress, threads: threads)
                        } else {
                            LogSumExp.columns(rows: n, columns: m, matrix: cb.baseAddress, scale: -eta, rowOffsets: sb.baseAddress,
                                              reference: reference, into: out.baseAddress, threads: threads)
                        }
                    }
                }
            }
        }
    }

    /// One log-domain iteration on `x̄, ȳ` (which are then the potentials; u = v = 1).
    func logDomainStep() {
        if kernelValid && !logDomainOnly {
            let (x, y) = potentials()
            if x.allSatisfy({ $0.isFinite }) && y.allSatisfy({ $0.isFinite }) {
                xBar = x
                yBar = y
            }
            for i in 0..<n { u[i] = 1 }
            for j in 0..<m { v[j] = 1 }
            kernelValid = false
            lseValid = false
        }
        computeLSERows()
        for i in 0..<n { xBar[i] = epsilon * (logR[i] + 1 - lseRows[i]) }
        for i in 0..<n { scratch[i] = eta * xBar[i] }
        logSumExp(rows: false, into: &lseColumns, previous: &previousColumns)
        var colErr = 0.0
        for j in 0..<m {
            yBar[j] = epsilon * (logC[j] + 1 - lseColumns[j])
            colErr += abs(Foundation.exp(eta * yBar[j] - 1 + lseColumns[j]) - c[j])
        }
        columnError = colErr
        lseValid = false
        haveReferences = true
        logDomainIterations += 1
    }
}
