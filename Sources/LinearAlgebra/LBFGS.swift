/// Limited-memory BFGS with Armijo backtracking, the package's general smooth minimizer (the
/// GP hyperparameter fits use it). An objective that returns nil, or a trial point whose value is
/// not finite (e.g. a Gram matrix that lost definiteness), counts as a failed step.
package struct LBFGS {
    /// Correction pairs kept.
    package var memory = 10
    /// Iteration cap.
    package var maxIterations = 60
    /// Stop when the gradient norm is at most this.
    package var gradientTolerance = 1e-10
    /// Largest step length (the first steps are scaled to it).
    package var maxStepNorm = 1.0

    /// Settings with the defaults above.
    package init(maxIterations: Int = 60) { self.maxIterations = maxIterations }

    /// How a minimization ended.
    package struct Outcome {
        package var x: [Double]
        package var value: Double
        package var iterations: Int
        package var evaluations: Int
        package var history: [Double]
        /// The gradient norm at `x`.
        package var gradientNorm: Double
        /// Stopped on the gradient tolerance or on a relative improvement below 1e-15 (a
        /// stationary point to round-off), not on the iteration cap or a failed line search.
        package var converged: Bool

        /// The gradient norm against the tolerance.
        package func report(tolerance: Double) -> Convergence {
            Convergence(converged: converged, iterations: iterations, criterion: gradientNorm, tolerance: tolerance,
                        criterionName: "hyperparameter gradient norm")
        }
    }

    /// Minimizes `f`, which returns the value and gradient (nil when undefined at the point).
    package func minimize(_ x0: [Double], observe: ((Int, Double) -> Void)? = nil, _ f: ([Double]) -> (Double, [Double])?) -> Outcome {
        var x = x0
        guard var (fx, g) = f(x) else {
            return Outcome(x: x0, value: .nan, iterations: 0, evaluations: 1, history: [], gradientNorm: .nan, converged: false)
        }
        var converged = false
        var s: [[Double]] = [], y: [[Double]] = []
        var history = [fx]
        var evaluations = 1
        var iterations = 0
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        while iterations < maxIterations {
            let gnorm = dot(g, g).squareRoot()
            if gnorm <= gradientTolerance {
                converged = true
                break
            }
            // Two-loop recursion.
            var q = g
            var alphas: [Double] = []
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                let rho = 1 / dot(y[k], s[k])
                let a = rho * dot(s[k], q)
                alphas.append(a)
                for i in 0..<q.count { q[i] -= a * y[k][i] }
            }
            if let sl = s.last, let yl = y.last {
                let gamma = dot(sl, yl) / dot(yl, yl)
                for i in 0..<q.count { q[i] *= gamma }
            } else {
                let scale = min(1, maxStepNorm / max(gnorm, 1e-300))
                for i in 0..<q.count { q[i] *= scale }
            }
            for (idx, k) in (0..<s.count).enumerated() {
                let rho = 1 / dot(y[k], s[k])
                let b = rho * dot(y[k], q)
                let a = alphas[s.count - 1 - idx]
                for i in 0..<q.count { q[i] += s[k][i] * (a - b) }
            }
            var d = q.map { -$0 }
            var slope = dot(g, d)
            if !(slope < 0) {   // not a descent direction: restart with steepest descent
                s.removeAll(); y.removeAll()
                let scale = min(1, maxStepNorm / max(gnorm, 1e-300))
                d = g.map { -$0 * scale }
                slope = dot(g, d)
            }
            let dn = dot(d, d).squareRoot()
            if dn > maxStepNorm { d = d.map { $0 * maxStepNorm / dn }; slope *= maxStepNorm / dn }
            var t = 1.0
            var accepted: (Double, [Double], [Double])?
            for _ in 0..<30 {
                let xt = (0..<x.count).map { x[$0] + t * d[$0] }
                evaluations += 1
                if let (ft, gt) = f(xt), ft.isFinite, ft <= fx + 1e-4 * t * slope {
                    accepted = (ft, gt, xt)
                    break
                }
                t *= 0.5
            }
            guard let (fNew, gNew, xNew) = accepted else { break }
            let sk = (0..<x.count).map { xNew[$0] - x[$0] }
            let yk = (0..<x.count).map { gNew[$0] - g[$0] }
            if dot(sk, yk) > 1e-12 * dot(sk, sk).squareRoot() * dot(yk, yk).squareRoot() {
                s.append(sk); y.append(yk)
                if s.count > memory { s.removeFirst(); y.removeFirst() }
            }
            let improvement = fx - fNew
            x = xNew; fx = fNew; g = gNew
            history.append(fx)
            iterations += 1
            observe?(iterations, fx)
            if improvement <= 1e-15 * max(1, abs(fx)) {
                converged = true
                break
            }
        }
        let gradientNorm = dot(g, g).squareRoot()
        if gradientNorm <= gradientTolerance { converged = true }
        return Outcome(x: x, value: fx, iterations: iterations, evaluations: evaluations, history: history,
                       gradientNorm: gradientNorm, converged: converged)
    }
}
