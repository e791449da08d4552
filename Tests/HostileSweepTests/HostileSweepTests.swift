import Foundation
import GaussianProcessPDE
import LinearAlgebra
import OptimalTransport
import SensitivitySampling
import SlicedWasserstein
import XCTest

/// Walks the public entry points of every target through generated bad and extreme inputs: empty,
/// mismatched shapes, NaN, ±∞, negative, zero, huge, tiny, rank-deficient. Every case must end in
/// a thrown error that says what was wrong, or in finite values (and, for iterative results, a
/// `converged` flag that agrees with the reported criterion). A crash or a hang fails the suite
/// outright; NaN or ∞ without an error fails the case.
final class HostileSweepTests: XCTestCase {
    /// Outcomes of the sweep.
    final class Sweep {
        var cases = 0
        var threw = 0
        var entries = Set<String>()
        var failures: [String] = []

        /// Runs one case; `body` returns the values that must be finite when it does not throw.
        func check(_ entry: String, _ input: String, _ body: () throws -> [Double]) {
            cases += 1
            entries.insert(entry)
            do {
                let values = try body()
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    failures.append("\(entry) [\(input)]: \(values[bad]) at \(bad) without an error")
                }
            } catch {
                threw += 1
                if String(describing: error).count < 8 { failures.append("\(entry) [\(input)]: uninformative error \(error)") }
            }
        }

        /// A parameter outside its range must be rejected with an error, never run with silently.
        func rejects(_ entry: String, _ input: String, _ body: () throws -> Any) {
            cases += 1
            entries.insert(entry)
            do {
                _ = try body()
                failures.append("\(entry) [\(input)]: accepted silently")
            } catch {
                threw += 1
            }
        }

        /// The values of an iterative result plus a check that `converged` agrees with its report.
        func iterative(_ entry: String, _ input: String, _ body: () throws -> (some IterativeResult, [Double])) {
            check(entry, input) {
                let (result, values) = try body()
                let c = result.convergence
                if c.converged && !(c.criterion <= max(c.tolerance * 10, c.tolerance)) && c.tolerance > 0 {
                    failures.append("\(entry) [\(input)]: converged with criterion \(c.criterion) above tolerance \(c.tolerance)")
                }
                return values + [c.criterion.isNaN ? 0 : 1]
            }
        }
    }

    /// Scalars that no parameter should accept silently when it must be positive and finite.
    static let badScalars: [(String, Double)] = [("NaN", .nan), ("+inf", .infinity), ("-inf", -.infinity), ("zero", 0),
                                                 ("negative", -1), ("huge", 1e308), ("tiny", 1e-308)]
    static let badCounts: [(String, Int)] = [("-1", -1), ("0", 0), ("Int.max", .max)]

    /// Matrices of every bad kind, as (name, matrix).
    static func badMatrices(rows: Int = 12, columns: Int = 3) -> [(String, Matrix)] {
        var g = Xoshiro256StarStar(seed: 7)
        let good = Matrix.randomNormal(rows: rows, columns: columns, using: &g)
        func with(_ v: Double) -> Matrix { var m = good; m[rows / 2, columns - 1] = v; return m }
        let rankDeficient = Matrix(rows: rows, columns: columns) { i, j in j == columns - 1 ? good[i, 0] : good[i, j] }
        return [("0x0", Matrix(rows: 0, columns: 0)), ("0xd", Matrix(rows: 0, columns: columns)), ("nx0", Matrix(rows: rows, columns: 0)),
                ("NaN entry", with(.nan)), ("+inf entry", with(.infinity)), ("-inf entry", with(-.infinity)),
                ("huge", good.scaled(by: 1e300)), ("tiny", good.scaled(by: 1e-300)), ("rank-deficient", rankDeficient),
                ("zero", Matrix(rows: rows, columns: columns)), ("wide", Matrix.randomNormal(rows: columns - 1, columns: columns, using: &g))]
    }

    func testEveryEntryPointFailsLoudlyOrReturnsFiniteValues() throws {
        let sweep = Sweep()
        linearAlgebra(sweep)
        optimalTransport(sweep)
        slicedWasserstein(sweep)
        try sensitivitySampling(sweep)
        try gaussianProcessPDE(sweep)
        print("hostile sweep: \(sweep.entries.count) entry points, \(sweep.cases) cases, \(sweep.threw) typed errors, \(sweep.failures.count) failures")
        for f in sweep.failures { XCTFail(f) }
    }

    /// Settings out of range (NaN or non-positive tolerances, caps below 1, cutoffs above 1, NaN
    /// exponents) are rejected by every routine that takes them.
    func testParametersOutOfRangeAreRejected() throws {
        let sweep = Sweep()
        var g = Xoshiro256StarStar(seed: 1)
        let a = try MatrixFamily.gaussian.generate(rows: 30, columns: 3, seed: 4)
        let cost = Matrix.randomUniform(rows: 4, columns: 4, using: &g)
        let w = [Double](repeating: 0.25, count: 4)
        let problem = try TransportProblem(source: w, target: w, cost: cost)
        let b = [Double](repeating: 1, count: 30)
        for (name, t) in [("NaN", Double.nan), ("zero", 0), ("negative", -1), ("+inf", .infinity)] {
            sweep.rejects("ConjugateGradient(tolerance)", name) { try ConjugateGradient(tolerance: t).solve(try MatrixOperator(Matrix.identity(2)), [1, 1]) }
            sweep.rejects("Sinkhorn(tolerance)", name) { try Sinkhorn(regularization: .eta(10), tolerance: t).solve(problem) }
            sweep.rejects("SinkhornNewtonSparse(tolerance)", name) { try SinkhornNewtonSparse(regularization: .eta(10), tolerance: t).solve(problem) }
            sweep.rejects("LewisWeights(tolerance)", name) { try LewisWeights(p: 1, tolerance: t).compute(a) }
            sweep.rejects("LpRegression(tolerance)", name) { try LpRegression(p: 1, tolerance: t).solve(a, b) }
            sweep.rejects("Sensitivities.exact(rowTolerance)", name) { try Sensitivities.exact(a, p: 1.5, rowTolerance: t) }
            sweep.rejects("Regularization", name) { try Sinkhorn(regularization: .epsilon(t)).solve(problem) }
        }
        for (name, n) in [("0", 0), ("-1", -1)] {
            sweep.rejects("ConjugateGradient(maxIterations)", name) { try ConjugateGradient(maxIterations: n).solve(try MatrixOperator(Matrix.identity(2)), [1, 1]) }
            sweep.rejects("Sinkhorn(maxIterations)", name) { try Sinkhorn(regularization: .eta(10), maxIterations: n).solve(problem) }
            sweep.rejects("LewisWeights(maxIterations)", name) { try LewisWeights(p: 1, maxIterations: n).compute(a) }
            sweep.rejects("LpRegression(maxIterations)", name) { try LpRegression(p: 1, maxIterations: n).solve(a, b) }
            sweep.rejects("Sensitivities.exact(maxRowIterations)", name) { try Sensitivities.exact(a, p: 1, maxRowIterations: n) }
            sweep.rejects("SlicedWasserstein(projections)", name) {
                try SlicedWasserstein(projections: n).estimate(try EmpiricalMeasure(points: a), try EmpiricalMeasure(points: a), seed: 1)
            }
            sweep.rejects("Distortion.lowerBound(ascentSteps)", name == "0" ? "-2" : name) {
                let sample = try SensitivitySampler(scheme: .leverage, p: 1).sample(a, expectedSize: 10, seed: 1)
                return try Distortion.lowerBound(a, sample, ascentSteps: n - 1, seed: 1)
            }
        }
        for (name, c) in [("NaN", Double.nan), ("1", 1), ("2", 2), ("negative", -0.5)] {
            sweep.rejects("LeastSquares(relativeCutoff)", name) { try LeastSquares(Matrix.identity(3), [1, 2, 3], relativeCutoff: c) }
        }
        for (name, p) in [("NaN", Double.nan), ("0.5", 0.5), ("+inf", .infinity)] {
            sweep.rejects("Sensitivities.lewisUpperBound(p)", name) { try Sensitivities.lewisUpperBound(lewisWeights: [0.5], p: p, dimension: 1) }
            sweep.rejects("Sensitivities.rootLeverageUpperBound(p)", name) { try Sensitivities.rootLeverageUpperBound(leverage: [0.5], p: p) }
            sweep.rejects("LewisWeights(p)", name) { try LewisWeights(p: p).compute(a) }
            sweep.rejects("SlicedWasserstein(p)", name) {
                try SlicedWasserstein(p: p).estimate(try EmpiricalMeasure(points: a), try EmpiricalMeasure(points: a), seed: 1)
            }
            sweep.rejects("GroundCost.minkowski(p)", name) { try GroundCost.minkowski(p).matrix(cost, cost) }
        }
        print("parameter sweep: \(sweep.entries.count) entry points, \(sweep.cases) cases, \(sweep.failures.count) accepted silently")
        for f in sweep.failures { XCTFail(f) }
    }

    // MARK: LinearAlgebra

    func linearAlgebra(_ s: Sweep) {
        for (name, m) in Self.badMatrices() {
            s.check("Cholesky", name) { let c = try Cholesky(try m.multiplied(by: m, transposeSelf: true)); return c.factor.elements + [c.logDeterminant] }
            s.check("Cholesky(jitter)", name) { try Cholesky(try m.multiplied(by: m, transposeSelf: true), jitter: .escalating).factor.elements }
            s.check("SymmetricEigen", name) { try SymmetricEigen(try m.multiplied(by: m, transposeSelf: true)).eigenvalues }
            s.check("QR", name) { try QR(m).r.elements }
            s.check("SVD", name) { try SVD(m).singularValues }
            s.check("LeastSquares(svd)", name) { try LeastSquares(m, [Double](repeating: 1, count: m.rows)).solution }
            s.check("LeastSquares(qr)", name) { try LeastSquares(m, [Double](repeating: 1, count: m.rows), method: .qr).solution }
            s.check("LU", name) { try LU(try m.multiplied(by: m, transposeSelf: true)).solve([Double](repeating: 1, count: m.columns)) }
            s.check("LogSumExp.rows", name) { try LogSumExp.rows(of: m, scale: -3).filter { $0 != -.infinity } }
            s.check("LogSumExp.columns", name) { try LogSumExp.columns(of: m, scale: 2).filter { $0 != -.infinity } }
            s.check("BLAS.gemm", name) { try m.multiplied(by: m, transposeOther: true).elements }
            s.check("Kronecker.multiply", name) { try Kronecker.multiply([m, m], [Double](repeating: 1, count: m.columns * m.columns)) }
        }
        for (name, v) in Self.badScalars {
            s.check("LogSumExp.of", name) { [try LogSumExp.of([1, v, 2])] }
            s.check("LogSumExp.rows(scale)", name) { try LogSumExp.rows(of: Matrix.identity(3), scale: v) }
            s.check("ConjugateGradient(tolerance)", name) {
                let r = try ConjugateGradient(tolerance: v).solve(try MatrixOperator(Matrix.identity(4)), [1, 2, 3, 4])
                return r.solution
            }
            s.check("ConjugateGradient(b)", name) {
                try ConjugateGradient().solve(try MatrixOperator(Matrix.identity(3)), [1, v, 3]).solution
            }
            s.check("LeastSquares(cutoff)", name) { try LeastSquares(Matrix.identity(3), [1, 2, 3], relativeCutoff: v).solution }
            s.check("CholeskyJitter", name) {
                try Cholesky(Matrix(rows: 2, columns: 2) { i, j in i == j ? -1 : 0 }, jitter: CholeskyJitter(initial: v, growth: 10, maxAttempts: 4)).factor.elements
            }
        }
        for (name, n) in Self.badCounts {
            s.check("ConjugateGradient(maxIterations)", name) {
                try ConjugateGradient(maxIterations: n).solve(try MatrixOperator(Matrix.identity(4)), [1, 2, 3, 4]).solution
            }
            s.check("Kronecker.apply(dimensions)", name) {
                try Kronecker.apply(Matrix.identity(2), alongAxis: 0, dimensions: [2, n], to: [1, 2, 3, 4])
            }
        }
    }

    // MARK: OptimalTransport

    func optimalTransport(_ s: Sweep) {
        var g = Xoshiro256StarStar(seed: 3)
        let cost = Matrix.randomUniform(rows: 5, columns: 4, using: &g)
        let r = [Double](repeating: 0.2, count: 5), c = [Double](repeating: 0.25, count: 4)
        for (name, m) in Self.badMatrices(rows: 5, columns: 4) {
            s.check("TransportProblem(cost)", name) {
                let p = try TransportProblem(source: [Double](repeating: 1 / Double(max(m.rows, 1)), count: m.rows),
                                             target: [Double](repeating: 1 / Double(max(m.columns, 1)), count: m.columns), cost: m)
                return try Sinkhorn(regularization: .eta(50)).solve(p).plan.elements
            }
            s.check("GroundCost.matrix", name) { try GroundCost.squaredEuclidean.matrix(m, m).elements }
            for cost in [GroundCost.squaredEuclidean, .minkowski(3)] {
                s.check("PointCloudProblem(points)", "\(name), \(cost)") {
                    let w = try DiscreteMeasure(weights: [Double](repeating: 1, count: m.rows), support: m)
                    let p = try PointCloudProblem(source: w, target: w, groundCost: cost)
                    let sol = try OnlineSinkhorn(regularization: .eta(50), maxIterations: 200).solve(p)
                    return sol.sourcePotential.filter { $0 > -.infinity } + [sol.transportCost, sol.marginalError]
                }
            }
        }
        for (name, v) in Self.badScalars {
            s.check("TransportProblem(weights)", name) { _ = try TransportProblem(source: [0.2, 0.2, v, 0.2, 0.2], target: c, cost: cost); return [] }
            s.check("Regularization.eta", name) { try Sinkhorn(regularization: .eta(v)).solve(try TransportProblem(source: r, target: c, cost: cost)).plan.elements }
            s.iterative("OnlineSinkhorn(tolerance)", name) {
                let x = try DiscreteMeasure(weights: r, support: cost)
                let y = try DiscreteMeasure(weights: c, support: Matrix.identity(4))
                let sol = try OnlineSinkhorn(regularization: .eta(100), tolerance: v, maxIterations: 500)
                    .solve(try PointCloudProblem(source: x, target: y, groundCost: .squaredEuclidean))
                return (sol, sol.sourcePotential + sol.targetPotential + [sol.transportCost])
            }
            s.iterative("OnlineSinkhorn(eta)", name) {
                let x = try DiscreteMeasure(weights: r, support: cost)
                let y = try DiscreteMeasure(weights: c, support: Matrix.identity(4))
                let sol = try OnlineSinkhorn(regularization: .eta(v), maxIterations: 500)
                    .solve(try PointCloudProblem(source: x, target: y, groundCost: .squaredEuclidean, normalizeCost: true))
                return (sol, sol.sourcePotential + sol.targetPotential + [sol.transportCost])
            }
            s.iterative("Sinkhorn(tolerance)", name) {
                let sol = try Sinkhorn(regularization: .eta(100), tolerance: v).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.elements + [sol.transportCost])
            }
            s.iterative("SinkhornNewtonSparse(tolerance)", name) {
                let sol = try SinkhornNewtonSparse(regularization: .eta(100), tolerance: v).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.elements + [sol.transportCost])
            }
            s.iterative("NetworkSimplex(tolerance)", name) {
                let sol = try NetworkSimplex(tolerance: v).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.map(\.mass) + sol.sourcePotential + sol.targetPotential + [sol.transportCost])
            }
            s.iterative("NetworkSimplex(cost scale)", name) {
                let sol = try NetworkSimplex().solve(try TransportProblem(source: r, target: c, cost: cost.scaled(by: v)))
                return (sol, sol.plan.map(\.mass) + sol.sourcePotential + sol.targetPotential + [sol.transportCost, sol.certificate.dualViolation])
            }
            s.check("GroundCost.minkowski", name) {
                try GroundCost.minkowski(v).matrix(Matrix.identity(3), Matrix.identity(3).scaled(by: 2)).elements
            }
        }
        for (name, n) in Self.badCounts where n != .max {
            s.iterative("Sinkhorn(maxIterations)", name) {
                let sol = try Sinkhorn(regularization: .eta(100), maxIterations: n).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.elements)
            }
            s.iterative("SinkhornNewtonSparse(maxNewtonIterations)", name) {
                let sol = try SinkhornNewtonSparse(regularization: .eta(100), maxNewtonIterations: n).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.elements)
            }
            s.iterative("OnlineSinkhorn(blockRows)", name) {
                let x = try DiscreteMeasure(weights: r, support: cost)
                let y = try DiscreteMeasure(weights: c, support: Matrix.identity(4))
                let sol = try OnlineSinkhorn(regularization: .eta(50), maxIterations: 300, blockRows: n)
                    .solve(try PointCloudProblem(source: x, target: y, groundCost: .euclidean))
                return (sol, sol.sourcePotential + [sol.transportCost])
            }
            s.iterative("NetworkSimplex(maxPivots)", name) {
                let sol = try NetworkSimplex(maxPivots: n).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.map(\.mass) + sol.sourcePotential + sol.targetPotential)
            }
            s.iterative("NetworkSimplex(blockSize)", name) {
                let sol = try NetworkSimplex(blockSize: n).solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.map(\.mass) + [sol.transportCost])
            }
        }
        // Weights near the top of the double range: their total overflows, the normalized weights do not.
        s.check("TransportProblem(weights near 1e308)", "4 × 1e308") {
            let big = [Double](repeating: 1e308, count: 4)
            let p = try TransportProblem(source: big, target: big, cost: Matrix.randomUniform(rows: 4, columns: 4, using: &g))
            return try Sinkhorn(regularization: .eta(20)).solve(p).plan.elements
        }
        s.check("DiscreteMeasure(weights near 1e308)", "3 × 1.5e308") { try DiscreteMeasure(weights: [1.5e308, 1.5e308, 1.5e308]).weights }
        // Extreme regularization: honest (flagged) and never an infeasible plan claimed converged.
        for eta in [1e5, 1e6] {
            s.iterative("SinkhornNewtonSparse(extreme eta)", "\(eta)") {
                let sol = try SinkhornNewtonSparse(regularization: .eta(eta), maxFallbackIterations: 2000)
                    .solve(try TransportProblem(source: r, target: c, cost: cost))
                return (sol, sol.plan.elements + [sol.transportCost, sol.marginalError])
            }
        }
    }

    // MARK: SlicedWasserstein

    func slicedWasserstein(_ s: Sweep) {
        var g = Xoshiro256StarStar(seed: 5)
        let good = Matrix.randomNormal(rows: 20, columns: 3, using: &g)
        for (name, m) in Self.badMatrices(rows: 20, columns: 3) {
            s.check("EmpiricalMeasure", name) {
                let mu = try EmpiricalMeasure(points: m)
                return [try SlicedWasserstein(projections: 10).estimate(mu, try EmpiricalMeasure(points: good), seed: 1).powered]
            }
        }
        for (name, v) in Self.badScalars {
            s.check("SlicedWasserstein(p)", name) {
                [try SlicedWasserstein(projections: 10, p: v).estimate(try EmpiricalMeasure(points: good), try EmpiricalMeasure(points: good.scaled(by: 2)), seed: 1).powered]
            }
            s.check("EmpiricalMeasure(weights)", name) {
                _ = try EmpiricalMeasure(points: good, weights: [v] + [Double](repeating: 1, count: 19)); return []
            }
            s.check("Wasserstein1D", name) { [try Wasserstein1D.powered([0, v, 2], [1, 2], p: 2)] }
            s.check("SlicedWassersteinFlow(learningRate)", name) {
                try SlicedWassersteinFlow(estimator: SlicedWasserstein(projections: 5), learningRate: v, steps: 2)
                    .run(source: try EmpiricalMeasure(points: good), target: try EmpiricalMeasure(points: good.scaled(by: 2)), seed: 1).final.elements
            }
            s.check("DirectionSampling.given", name) {
                let dirs = Matrix(rows: 3, columns: 4) { i, j in i == j % 3 ? v : 0 }
                return [try SlicedWasserstein(directions: .given(dirs)).estimate(try EmpiricalMeasure(points: good), try EmpiricalMeasure(points: good.scaled(by: 2)), seed: 1).powered]
            }
        }
        for (name, n) in Self.badCounts where n != .max {
            s.check("SlicedWasserstein(projections)", name) {
                [try SlicedWasserstein(projections: n).estimate(try EmpiricalMeasure(points: good), try EmpiricalMeasure(points: good), seed: 1).powered]
            }
            s.check("SlicedWassersteinFlow(steps)", name) {
                try SlicedWassersteinFlow(estimator: SlicedWasserstein(projections: 5), steps: n)
                    .run(source: try EmpiricalMeasure(points: good), target: try EmpiricalMeasure(points: good), seed: 1).final.elements
            }
        }
        s.check("EmpiricalMeasure(weights near 1e308)", "20 × 1e308") {
            let mu = try EmpiricalMeasure(points: good, weights: [Double](repeating: 1e308, count: 20))
            return mu.weights + [try SlicedWasserstein(projections: 8).estimate(mu, try EmpiricalMeasure(points: good.scaled(by: 2)), seed: 2).powered]
        }
        for scale in [1e200, 1e-200] {
            s.check("DirectionSampling.given(norm \(scale))", "scaled directions") {
                let dirs = Matrix(rows: 3, columns: 4) { i, j in i == j % 3 ? scale : 0 }
                return [try SlicedWasserstein(directions: .given(dirs)).estimate(try EmpiricalMeasure(points: good), try EmpiricalMeasure(points: good.scaled(by: 2)), seed: 1).powered]
            }
        }
        // A high p on spread data: the powers must be scaled, not overflow.
        s.check("SlicedWasserstein(p = 400)", "spread clouds") {
            [try SlicedWasserstein(projections: 10, p: 400).estimate(try EmpiricalMeasure(points: good.scaled(by: 10)), try EmpiricalMeasure(points: good), seed: 1).powered]
        }
    }

    // MARK: SensitivitySampling

    func sensitivitySampling(_ s: Sweep) throws {
        for (name, m) in Self.badMatrices(rows: 30, columns: 3) {
            s.check("LeverageScores.exact", name) { try LeverageScores.exact(m) }
            s.check("LeverageScores.approximate", name) { try LeverageScores.approximate(m, seed: 1) }
            s.iterative("LewisWeights.compute", name) { let r = try LewisWeights(p: 1).compute(m); return (r, r.weights) }
            s.iterative("Sensitivities.exact", name) { let r = try Sensitivities.exact(m, p: 1); return (r, r.values) }
            s.iterative("LpRegression.solve", name) {
                let r = try LpRegression(p: 1.5).solve(m, [Double](repeating: 1, count: m.rows)); return (r, r.solution + [r.objective])
            }
            s.check("SensitivitySampler.sample", name) { try SensitivitySampler(scheme: .leverage, p: 1).sample(m, expectedSize: 10, seed: 1).weights }
        }
        let a = try MatrixFamily.gaussian.generate(rows: 40, columns: 3, seed: 2)
        for (name, v) in Self.badScalars {
            s.check("LewisWeights(p)", name) { try LewisWeights(p: v).compute(a).weights }
            s.check("LewisWeights(tolerance)", name) { try LewisWeights(p: 1, tolerance: v).compute(a).weights }
            s.check("LpRegression(tolerance)", name) { try LpRegression(p: 1, tolerance: v).solve(a, [Double](repeating: 1, count: 40)).solution }
            s.check("Sampler.bernoulli(expectedSize)", name) { try Sampler.bernoulli(scores: [Double](repeating: 1, count: 40), expectedSize: v, p: 1, seed: 1).weights }
            s.check("Sampler.probabilities(scores)", name) { try Sampler.probabilities(scores: [1, v, 1], expectedSize: 2) }
            s.check("LeverageScores.ridge(lambda)", name) { try LeverageScores.ridge(a, lambda: v) }
            s.check("Sensitivities.lewisUpperBound(p)", name) { try Sensitivities.lewisUpperBound(lewisWeights: [0.5, 0.25], p: v, dimension: 2) }
            s.check("Sensitivities.rootLeverageUpperBound(p)", name) { try Sensitivities.rootLeverageUpperBound(leverage: [0.5, 0.25], p: v) }
            s.check("Sampler.bernoulli(scores near 1e308)", name) {
                try Sampler.bernoulli(scores: [Double](repeating: 1e308, count: 40), expectedSize: 10, p: 1, seed: 1).weights
            }
            s.check("Sampler.probabilities(huge scores)", name) { try Sampler.probabilities(scores: [1e308, 1e308, v.isFinite ? abs(v) : 1], expectedSize: 2) }
        }
        for (name, n) in Self.badCounts where n != .max {
            s.check("LewisWeights(maxIterations)", name) { try LewisWeights(p: 1, maxIterations: n).compute(a).weights }
            s.check("LpRegression(maxIterations)", name) { try LpRegression(p: 1, maxIterations: n).solve(a, [Double](repeating: 1, count: 40)).solution }
            s.check("MatrixFamily.generate", name) { try MatrixFamily.gaussian.generate(rows: n, columns: 3, seed: 1).elements }
            s.check("Sampler.withReplacement(draws)", name) { try Sampler.withReplacement(scores: [1, 2, 3], draws: n, p: 1, seed: 1).weights }
            s.check("Distortion.lowerBound(probes)", name) {
                let sample = try SensitivitySampler(scheme: .leverage, p: 1).sample(a, expectedSize: 20, seed: 1)
                return [try Distortion.lowerBound(a, sample, probes: n, seed: 1)]
            }
        }
    }

    // MARK: GaussianProcessPDE

    func gaussianProcessPDE(_ s: Sweep) throws {
        let problem = try PDEProblem(name: "p", pde: .poisson, domain: [0...1], source: { x in -sin(x[0]) }, boundary: { x in sin(x[0]) })
        for (name, v) in Self.badScalars {
            s.check("Grid1D(upper)", name) { _ = try Grid1D(lower: 0, upper: v, count: 10); return [] }
            s.check("PDEProblem(domain)", name) {
                guard v.isFinite, v > 0 else { throw GaussianProcessPDEError.invalidParameter(name: "test", value: v, requirement: "a range needs ordered finite bounds") }
                _ = try PDEProblem(name: "q", pde: .poisson, domain: [0...v], source: { _ in 1 }, boundary: { _ in 0 }); return []
            }
            s.check("PDEProblem(source value)", name) {
                let bad = try PDEProblem(name: "q", pde: .poisson, domain: [0...1], source: { _ in v }, boundary: { _ in 0 })
                return try FastGPSolver(options: GPPDEOptions(components: 2), hyperparameterIterations: 1).solve(bad, gridSize: 12).values
            }
            s.check("GPPDEOptions(jitter)", name) {
                try FastGPSolver(options: GPPDEOptions(components: 2, jitter: v), hyperparameterIterations: 1).solve(problem, gridSize: 12).values
            }
            s.check("SpectralKernel(frequencies)", name) {
                [try SpectralKernel(family: .gaussianMixture, logWeights: [0], logScales: [0], frequencies: [v]).value(0.1)]
            }
            s.check("GPSolution.predict", name) {
                let sol = try FastGPSolver(options: GPPDEOptions(components: 2), hyperparameterIterations: 0).solve(problem, gridSize: 10)
                return try sol.predict([[v]])
            }
            s.check("GPSolution.predict(onGrid)", name) {
                let sol = try FastGPSolver(options: GPPDEOptions(components: 2), hyperparameterIterations: 0).solve(problem, gridSize: 10)
                return try sol.predict(onGrid: [[0.5, v]])
            }
            s.check("AdamGPSolver.objective(values)", name) {
                let adam = AdamGPSolver(options: GPPDEOptions(components: 2), steps: 1)
                let k = try SpectralKernel(family: .gaussianMixture, logWeights: [0], logScales: [0], frequencies: [1])
                let e = try adam.objective(problem, gridSize: 8, kernels: [k], values: [Double](repeating: 0, count: 7) + [v], logTau1: 0, logTau2: 0)
                return [e.value]
            }
        }
        let twoD = try PDEProblem(name: "q2", pde: .poisson, domain: [0...1, 0...1], source: { x in x[0] * x[1] }, boundary: { _ in 0 })
        let grid = try Grid1D(lower: 0, upper: 1, count: 5)
        let kernel = try SpectralKernel(family: .gaussianMixture, logWeights: [0], logScales: [0], frequencies: [1])
        let model = try KroneckerModel(problem: twoD, grids: [grid, grid], kernels: [kernel, kernel], options: GPPDEOptions())
        for (name, v) in Self.badScalars {
            let c = [Double](repeating: 0.1, count: model.unknowns - 1) + [v]
            s.check("KroneckerModel.objective", name) { [try model.objective(at: c)] }
            s.check("KroneckerModel.gradient", name) { try model.gradient(at: c) }
            s.check("KroneckerModel.values", name) { try model.values(at: c) }
        }
        for (name, n) in Self.badCounts {
            s.check("FastGPSolver(gridSize)", name) { try FastGPSolver(options: GPPDEOptions(components: 2)).solve(problem, gridSize: n).values }
            s.check("KroneckerModel.values(count)", name) {
                guard n >= 0 && n < 1 << 20 else { throw GaussianProcessPDEError.invalidParameter(name: "test", value: 0, requirement: "an array this test can allocate") }
                return try model.values(at: [Double](repeating: 0, count: n))
            }
            s.check("KroneckerModel.minimize(maxSteps)", name) {
                guard n < 100 else { throw GaussianProcessPDEError.invalidParameter(name: "test", value: 0, requirement: "a budget this test can run") }
                return try model.minimize(maxSteps: n)
            }
            s.check("AdamGPSolver(steps)", name) {
                guard n != .max else { throw GaussianProcessPDEError.invalidParameter(name: "test", value: 0, requirement: "a budget this test can run") }
                return try AdamGPSolver(options: GPPDEOptions(components: 2), steps: n).solve(problem, gridSize: 8).values
            }
            s.check("GPPDEOptions(components)", name) {
                guard n != .max else { throw GaussianProcessPDEError.invalidParameter(name: "test", value: 0, requirement: "a size this test can run") }
                return try FastGPSolver(options: GPPDEOptions(components: n), hyperparameterIterations: 0).solve(problem, gridSize: 10).values
            }
        }
    }
}

/// Normalizations whose answer is representable must give it, scaling first.
final class NormalizationTests: XCTestCase {
    func testWeightsNearTheTopOfTheRangeNormalize() throws {
        // A transport measure whose total mass overflows cannot give a representable plan: refused.
        XCTAssertThrowsError(try DiscreteMeasure(weights: [1.5e308, 1.5e308, 1.5e308]))
        let measure = try DiscreteMeasure(weights: [5e307, 5e307, 5e307])
        XCTAssertEqual(measure.weights.count, 3)
        var g = Xoshiro256StarStar(seed: 2)
        let points = Matrix.randomNormal(rows: 10, columns: 2, using: &g)
        let mu = try EmpiricalMeasure(points: points, weights: [Double](repeating: 1e308, count: 10))
        XCTAssertEqual(mu.weights.reduce(0, +), 1, accuracy: 1e-12)
        let big = [Double](repeating: 4e307, count: 4)
        let p = try TransportProblem(source: big, target: big, cost: Matrix.randomUniform(rows: 4, columns: 4, using: &g))
        let s = try Sinkhorn(regularization: .eta(20)).solve(p)
        XCTAssertTrue(s.converged)
        XCTAssertTrue(s.transportCost.isFinite)
        XCTAssertTrue(s.plan.elements.allSatisfy(\.isFinite))
        let sample = try Sampler.bernoulli(scores: [Double](repeating: 1e308, count: 40), expectedSize: 10, p: 1, seed: 1)
        XCTAssertTrue(sample.weights.allSatisfy { $0.isFinite && $0 > 0 })
        XCTAssertTrue(sample.probabilities.allSatisfy { abs($0 - 0.25) < 1e-12 })
    }
}
