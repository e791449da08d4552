// Calls every algorithm target of Kantorovich as a dependency and checks the answers against
// closed forms; then reports the speed of the vectorized kernels in this (dependency, release)
// build. Exits non-zero on a wrong answer.
import Foundation
import GaussianProcessPDE
import KantorovichMPI
import LinearAlgebra
import OptimalTransport
import SensitivitySampling
import SlicedWasserstein

var failures = 0
@MainActor func check(_ ok: Bool, _ what: String) {
    print((ok ? "ok    " : "FAILED ") + what)
    if !ok { failures += 1 }
}

if CommandLine.arguments.contains("--kernel-diagnostic") {
    // Run with OPENBLAS_CORETYPE=Prescott by the check script: the library must say so once.
    _ = try Matrix(rows: 8, columns: 8) { i, j in i == j ? 2 : 0 }.multiplied(by: Matrix.identity(8))
    print("diagnostic:", OpenBLAS.kernelDiagnostic ?? "none")
    exit(0)
}

print("Kantorovich as a dependency: vector kernels \(VectorInstructionSet.active.rawValue), OpenBLAS \(OpenBLAS.coreName)")
check(VectorInstructionSet.isSupported(.avx2FMA) == (VectorInstructionSet.active == .avx2FMA),
      "the best supported instruction set is active")

// OptimalTransport: a permutation cost has the identity as its unique optimal plan; at large η the
// entropic plan is close to it, and Sinkhorn and SNS agree.
do {
    let n = 6
    let cost = Matrix(rows: n, columns: n) { i, j in i == j ? 0 : 1 + Double((i * 7 + j * 3) % 5) / 10 }
    let w = [Double](repeating: 1.0 / Double(n), count: n)
    let problem = try TransportProblem(source: w, target: w, cost: cost)
    let sinkhorn = try Sinkhorn(regularization: .eta(200), tolerance: 1e-12).solve(problem)
    let sns = try SinkhornNewtonSparse(regularization: .eta(200), tolerance: 1e-12).solve(problem)
    check(sinkhorn.converged && sns.converged, "OptimalTransport: Sinkhorn and SNS converge")
    check(sinkhorn.transportCost < 1e-12, "OptimalTransport: cost of the identity plan is ~0 (\(sinkhorn.transportCost))")
    check(abs(sinkhorn.dualValue - sns.dualValue) < 1e-10, "OptimalTransport: Sinkhorn and SNS reach the same dual value")
}

// SlicedWasserstein: 1-D W₂² between {0, 1, 2} and its shift by 1 is 1; the sliced distance of a
// cloud and its translate by t has E[(θ·t)²] = |t|²/d.
do {
    let w = try Wasserstein1D.powered([0, 1, 2], [1, 2, 3], p: 2)
    check(abs(w - 1) < 1e-14, "SlicedWasserstein: 1-D W₂² of a unit shift is 1 (\(w))")
    var g = Xoshiro256StarStar(seed: 3)
    let x = Matrix.randomNormal(rows: 300, columns: 5, using: &g)
    let shift: [Double] = [1, -2, 0.5, 0, 2]
    let y = Matrix(rows: 300, columns: 5) { i, j in x[i, j] + shift[j] }
    let estimate = try SlicedWasserstein(projections: 2000, controlVariate: .upper)
        .estimate(try EmpiricalMeasure(points: x), try EmpiricalMeasure(points: y), seed: 5)
    let exact = shift.reduce(0) { $0 + $1 * $1 } / 5
    check(abs(estimate.powered - exact) < 5 * estimate.standardError + 1e-12,
          "SlicedWasserstein: SW₂² of a translate is |t|²/d = \(exact) (got \(estimate.powered) ± \(estimate.standardError))")
}

// SensitivitySampling: leverage scores sum to the rank; ℓ2 Lewis weights are the leverage scores.
do {
    let a = try MatrixFamily.spiked.generate(rows: 500, columns: 4, seed: 1)
    let tau = try LeverageScores.exact(a)
    check(abs(tau.reduce(0, +) - 4) < 1e-9, "SensitivitySampling: leverage scores sum to the rank 4")
    let lewis = try LewisWeights(p: 2).compute(a)
    let worst = zip(lewis.weights, tau).map { abs($0 - $1) }.max() ?? .infinity
    check(worst < 1e-9, "SensitivitySampling: ℓ2 Lewis weights equal the leverage scores (max diff \(worst))")
}

// GaussianProcessPDE: Δu = f on [0, 1] with u = sin(2πx) is recovered to a small relative error.
do {
    let problem = try PDEProblem(name: "consumer", pde: .poisson, domain: [0...1],
                                 source: { x in -4 * Double.pi * Double.pi * sin(2 * Double.pi * x[0]) },
                                 boundary: { x in sin(2 * Double.pi * x[0]) })
    let solution = try FastGPSolver().solve(problem, gridSize: 64)
    let error = try solution.relativeError(exact: { x in sin(2 * Double.pi * x[0]) })
    check(error < 1e-3, "GaussianProcessPDE: relative L2 error \(error) < 1e-3")
}

// Speed of the vectorized kernels in this build (reported, not asserted: timings are the bench's
// business). The same figures as `bench linalg`: exp against the C library's, row log-sum-exp
// against one dgemv over the same 2000 × 2000 matrix.
do {
    func best(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try body()
        var t = Double.infinity
        for _ in 0..<repeats {
            let s = Stopwatch()
            try body()
            t = min(t, s.elapsed)
        }
        return t
    }
    var g = Xoshiro256StarStar(seed: 11)
    let input = (0..<(1 << 20)).map { _ in Double.random(in: -700...700, using: &g) }
    var output = input
    let simd: Double = best(10) { input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { VectorMath.exp(i, into: $0) } } }
    let libm: Double = best(10) {
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { o in for k in 0..<i.count { o[k] = Foundation.exp(i[k]) } } }
    }
    let n = 2000
    let m = Matrix.randomUniform(rows: n, columns: n, using: &g)
    let offsets = (0..<n).map { _ in 1200 * g.nextUniform() }   // spread like Sinkhorn potentials
    let x = (0..<n).map { _ in g.nextUniform() }
    var rows = [Double](repeating: 0, count: n)
    let lse: Double = best(20) {
        m.withUnsafeBufferPointer { mp in
            LogSumExp.rows(rows: n, columns: n, matrix: mp.baseAddress, scale: -1200, columnOffsets: offsets,
                           into: &rows, threads: Parallel.processorCount)
        }
    }
    var y = [Double](repeating: 0, count: n)
    let gemv: Double = try best(20) { try BLAS.gemv(m, x, into: &y) }
    print(String(format: "figure exp: SIMD %.3f ns/element, libm %.3f ns/element, speed-up %.2f×",
                 simd * 1e9 / Double(input.count), libm * 1e9 / Double(input.count), libm / simd))
    print(String(format: "figure logsumexp-n2000 rows: %.1f µs, dgemv %.1f µs, ratio %.2f×", lse * 1e6, gemv * 1e6, lse / gemv))
}

// KantorovichMPI: a run of one rank (MPI starts as a singleton without mpirun); the tall-skinny
// QR leverage scores equal the single-process ones.
do {
    var g = Xoshiro256StarStar(seed: 9)
    let a = Matrix.randomNormal(rows: 300, columns: 4, using: &g)
    let comm = try Communicator.world()
    let distributed = try DistributedLeverageScores.exact(a, communicator: comm)
    let single = try LeverageScores.exact(a)
    check(comm.size == 1 && zip(distributed, single).allSatisfy { abs($0 - $1) <= 1e-12 * $1 },
          "KantorovichMPI: leverage scores on one rank equal the single-process ones")
    try Communicator.finalize()
}

print(failures == 0 ? "consumer check passed" : "consumer check: \(failures) failure(s)")
exit(failures == 0 ? 0 : 1)
