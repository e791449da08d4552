import LinearAlgebra
import OptimalTransport
import TestSupport

/// A random problem with uniform-ish weights and a cost in [0, 1].
func randomProblem(_ n: Int, _ m: Int, _ g: inout Xoshiro256StarStar, uniform: Bool = false) throws -> TransportProblem {
    var r = (0..<n).map { _ in uniform ? 1.0 : 0.2 + g.nextUniform() }
    var c = (0..<m).map { _ in uniform ? 1.0 : 0.2 + g.nextUniform() }
    let rs = r.reduce(0, +), cs = c.reduce(0, +)
    r = r.map { $0 / rs }
    c = c.map { $0 / cs }
    return try TransportProblem(source: r, target: c, cost: Matrix.randomUniform(rows: n, columns: m, using: &g))
}

/// Row and column sums of a matrix.
func marginals(_ p: Matrix) -> ([Double], [Double]) {
    var rs = [Double](repeating: 0, count: p.rows), cs = [Double](repeating: 0, count: p.columns)
    for j in 0..<p.columns { for i in 0..<p.rows { rs[i] += p[i, j]; cs[j] += p[i, j] } }
    return (rs, cs)
}

struct FixtureCase {
    let name: String
    let problem: TransportProblem
    let epsilon: Double
    let plan: Matrix
    let transportCost: Double
    let emd2: Double
}

func sinkhornFixtureCases() throws -> [FixtureCase] {
    let f = try Fixture.load("optimal_transport.json")
    guard let cases = f["sinkhornCases"] as? [[String: Any]] else { throw Fixture.FixtureError.missing("sinkhornCases") }
    return try cases.map { c in
        FixtureCase(name: c["name"] as? String ?? "?",
                    problem: try TransportProblem(source: try c.vector("source"), target: try c.vector("target"), cost: try c.matrix("cost")),
                    epsilon: try c.double("epsilon"), plan: try c.matrix("plan"),
                    transportCost: try c.double("transportCost"), emd2: try c.double("emd2"))
    }
}
