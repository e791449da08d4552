import Foundation
import GaussianProcessPDE
import LinearAlgebra
import TestSupport
import XCTest

final class SolverTests: XCTestCase {
    func testSmoothPoissonToHighAccuracy() throws {
        // A smooth low-frequency problem: one spectral component from the periodogram, jitter
        // near round-off and large precisions (the paper's defaults, jitter 1e-6 and τ = e¹²,
        // do not reach 1e-8 here: shrinkage by the prior and the nugget).
        let p = try PDEProblem(name: "smooth", pde: .poisson, domain: [0...3], solution: { sin($0[0]) }, source: { -sin($0[0]) })
        let options = GPPDEOptions(components: 1, jitter: 1e-14, logTauBoundary: 24, logTauEquation: 24)
        let s = try FastGPSolver(options: options, hyperparameterIterations: 0).solve(p, gridSize: 40)
        XCTAssertLessThanOrEqual(try s.relativeError(exact: p.solution!), 1e-8)
    }

    func testPoissonSin100xReachesTheTestBudgetAccuracy() throws {
        let b = PDEBenchmark.poisson1dSin100x
        let p = try b.problem()
        let s = try FastGPSolver(hyperparameterIterations: 3).solve(p, gridSize: b.gridSize)
        XCTAssertLessThanOrEqual(try s.relativeError(exact: p.solution!), 1e-5)
        // At a grid point the posterior mean is U − jitter·A (U = (K + jitter I) A; the jitter is a
        // nugget the mean function does not carry).
        let atGrid = try s.predict([[s.grids[0].point(7)], [s.grids[0].point(200)]])
        for (k, i) in [7, 200].enumerated() {
            let expected = s.values[i] - s.jitters[0] * s.coefficients[i]
            XCTAssertEqual(atGrid[k], expected, accuracy: 1e-9 * max(1, abs(s.coefficients[i]) * s.jitters[0] * 1e3))
        }
    }

    func testFastSolutionSatisfiesItsNormalEquations() throws {
        // For fixed hyperparameters the fast solver's U minimizes the negative log joint in U:
        // its U-gradient (the hand-written one, checked separately) vanishes.
        for pde in [PDEOperator.poisson, .allenCahn] {
            let p = try PDEProblem(name: "normal", pde: pde, domain: [0...3],
                                   solution: { sin(3 * $0[0]) }, source: { x in
                                       let u = sin(3 * x[0]); return -9 * u + (pde == .allenCahn ? u * (u * u - 1) : 0)
                                   })
            let options = GPPDEOptions(components: 4, logTauBoundary: 6, logTauEquation: 6)
            let s = try FastGPSolver(options: options, hyperparameterIterations: 0).solve(p, gridSize: 40)
            let e = try AdamGPSolver(options: options, steps: 1).objective(p, gridSize: 40, kernels: s.kernels, values: s.values,
                                                                        logTau1: 6, logTau2: 6)
            let scale = e.alpha.map(abs).max()!
            XCTAssertLessThan(e.gradU.map(abs).max()!, 1e-6 * max(1, scale), "\(pde)")
        }
    }

    func testLogJointGradientsMatchFiniteDifferences() throws {
        let p = try PDEProblem(name: "fd", pde: .allenCahn, domain: [0...2],
                               solution: { cos(2 * $0[0]) }, source: { x in let u = cos(2 * x[0]); return -4 * u + u * (u * u - 1) })
        // Jitter 1e-3 keeps the 12-point Gram matrix well conditioned, so central differences of
        // the objective are accurate to the asserted digits.
        let options = GPPDEOptions(components: 2, jitter: 1e-3, initialization: .reference, frequencyScale: 1)
        var g = Xoshiro256StarStar(seed: 3)
        let kernel = try SpectralKernel(family: .gaussianMixture, logWeights: [-0.5, -1], logScales: [0.3, -0.2], frequencies: [0.2, 0.9])
        let n = 12
        let u = (0..<n).map { _ in g.double(in: -1...1) }
        let solver = AdamGPSolver(options: options, steps: 1)
        let e = try solver.objective(p, gridSize: n, kernels: [kernel], values: u, logTau1: 0.5, logTau2: -0.3)
        func value(_ u: [Double], _ k: SpectralKernel, _ t1: Double, _ t2: Double) throws -> Double {
            // Keep the jitter fixed at the base kernel's (it scales with k(0)).
            var o = options
            o.jitter = options.jitter * kernel.value(0) / k.value(0)
            return try AdamGPSolver(options: o, steps: 1).objective(p, gridSize: n, kernels: [k], values: u, logTau1: t1, logTau2: t2).value
        }
        let h = 1e-6
        for i in [0, 3, n - 1] {
            var up = u, um = u
            up[i] += h; um[i] -= h
            let fd = (try value(up, kernel, 0.5, -0.3) - value(um, kernel, 0.5, -0.3)) / (2 * h)
            XCTAssertEqual(e.gradU[i], fd, accuracy: 1e-5 * max(1, abs(fd)), "U[\(i)]")
        }
        for k in 0..<kernel.parameterCount {
            var kp = kernel, km = kernel
            var t = kernel.parameters
            t[k] += h; kp.parameters = t
            t[k] -= 2 * h; km.parameters = t
            let fd = (try value(u, kp, 0.5, -0.3) - value(u, km, 0.5, -0.3)) / (2 * h)
            XCTAssertEqual(e.gradTheta[k], fd, accuracy: 1e-4 * max(1, abs(fd)), "θ[\(k)]")
        }
        let fd1 = (try value(u, kernel, 0.5 + h, -0.3) - value(u, kernel, 0.5 - h, -0.3)) / (2 * h)
        let fd2 = (try value(u, kernel, 0.5, -0.3 + h) - value(u, kernel, 0.5, -0.3 - h)) / (2 * h)
        XCTAssertEqual(e.gradLogTau1, fd1, accuracy: 1e-5 * max(1, abs(fd1)))
        XCTAssertEqual(e.gradLogTau2, fd2, accuracy: 1e-5 * max(1, abs(fd2)))
    }

    func testAdamDecreasesTheObjective() throws {
        let p = try PDEProblem(name: "adam", pde: .poisson, domain: [0...2], solution: { sin(2 * $0[0]) }, source: { -4 * sin(2 * $0[0]) })
        let options = GPPDEOptions(components: 4, initialization: .reference, frequencyScale: 1)
        let s = try AdamGPSolver(options: options, steps: 200, learningRate: 0.01, recordEvery: 50).solve(p, gridSize: 30)
        XCTAssertEqual(s.history.map(\.iteration), [50, 100, 150, 200])
        XCTAssertLessThan(s.history.last!.objective, s.history.first!.objective)
        XCTAssertLessThan(s.history.last!.testError!, s.history.first!.testError!)
    }

    func testBadInputs() throws {
        let good = try PDEBenchmark.poisson1dSin100x.problem()
        assertThrows(["at least 3 points"]) { try FastGPSolver().solve(good, gridSize: 2) }
        assertThrows(["components", "Q must be at least 1"]) { try FastGPSolver(options: GPPDEOptions(components: 0)).solve(good, gridSize: 20) }
        assertThrows(["logTauEquation"]) { try FastGPSolver(options: GPPDEOptions(logTauEquation: .nan)).solve(good, gridSize: 20) }
        let nanSource = try PDEProblem(name: "nan", pde: .poisson, domain: [0...1], solution: { $0[0] }, source: { $0[0] > 0.5 ? .nan : 0 })
        assertThrows(["source f is not finite"]) { try FastGPSolver().solve(nanSource, gridSize: 10) }
        assertThrows(["source f is not finite"]) { try AdamGPSolver(steps: 2).solve(nanSource, gridSize: 10) }
        assertThrows(["empty or not finite"]) { try PDEProblem(name: "x", pde: .poisson, domain: [1...1], solution: { $0[0] }, source: { _ in 0 }) }
        assertThrows(["advection needs a 2-D domain"]) {
            try PDEProblem(name: "x", pde: .advection(beta: 1), domain: [0...1], solution: { $0[0] }, source: { _ in 0 })
        }
        // A Gram matrix whose entries overflow stays "indefinite" after jitter escalation.
        let huge = try SpectralKernel(family: .gaussianMixture, logWeights: [709.5, 709.5], logScales: [0, 0], frequencies: [0, 0])
        let smooth = try SpectralKernel.reference(.gaussianMixture, components: 2, maxFrequency: 1)
        let twoD = try PDEProblem(name: "2d", pde: .poisson, domain: [0...1, 0...1], solution: { $0[0] }, source: { _ in 0 })
        assertThrows(["1 kernels and 1 jitters for a 2-D problem"]) {
            try AdamGPSolver(steps: 1).objective(twoD, gridSize: 5, kernels: [smooth], values: [Double](repeating: 0, count: 25), logTau1: 0, logTau2: 0)
        }
        assertThrows(["jitters"]) {
            try AdamGPSolver(steps: 1).objective(twoD, gridSize: 5, kernels: [smooth, smooth], values: [Double](repeating: 0, count: 25),
                                                 logTau1: 0, logTau2: 0, jitters: [1, -1])
        }
        assertThrows(["25 values for 16 grid points"]) {
            try AdamGPSolver(steps: 1).objective(twoD, gridSize: 4, kernels: [smooth, smooth], values: [Double](repeating: 0, count: 25), logTau1: 0, logTau2: 0)
        }
        assertThrows(["learningRate"]) { try AdamGPSolver(steps: 1, learningRate: .nan).solve(twoD, gridSize: 5) }
        assertThrows(["at least 3 points"]) { try FastGPSolver().solve(twoD, gridSize: 2) }
        let nan2D = try PDEProblem(name: "nan", pde: .poisson, domain: [0...1, 0...1], solution: { $0[0] }, source: { $0[1] > 0.5 ? .infinity : 0 })
        assertThrows(["source f is not finite"]) { try FastGPSolver().solve(nan2D, gridSize: 8) }
        let nanBoundary = try PDEProblem(name: "nan", pde: .poisson, domain: [0...1, 0...1], source: { _ in 0 }, boundary: { _ in .nan })
        assertThrows(["boundary data g is not finite"]) { try FastGPSolver().solve(nanBoundary, gridSize: 8) }
        assertThrows(["at least one interval"]) { try PDEProblem(name: "x", pde: .poisson, domain: [], solution: { _ in 0 }, source: { _ in 0 }) }
        assertThrows(["invalid kernel", "Q = 0"]) { try SpectralKernel(family: .gaussianMixture, logWeights: [], logScales: [], frequencies: []) }
        assertThrows(["log scale"]) { try SpectralKernel(family: .gaussianMixture, logWeights: [0], logScales: [.nan], frequencies: [0]) }
        assertThrows(["steps"]) { try AdamGPSolver(steps: 0).solve(good, gridSize: 10) }
        assertThrows(["not positive definite even with jitter"]) {
            try AdamGPSolver(steps: 1).objective(good, gridSize: 10, kernels: [huge], values: [Double](repeating: 0, count: 10), logTau1: 0, logTau2: 0)
        }
        let grid = try Grid1D(lower: 0, upper: 1, count: 6)
        assertThrows(["not positive definite even with jitter"]) {
            try KroneckerModel(problem: twoD, grids: [grid, grid], kernels: [huge, huge], options: GPPDEOptions())
        }
        assertThrows(["dimension mismatch"]) { try KroneckerModel(problem: twoD, grids: [grid], kernels: [huge], options: GPPDEOptions()) }
    }
}
