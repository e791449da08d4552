import LinearAlgebra
import SlicedWasserstein
import TestSupport
import XCTest

final class Wasserstein1DTests: XCTestCase {
    func testMatchesPOT() throws {
        let f = try Fixture.load("sliced.json")
        for c in f["wasserstein1d"] as! [[String: Any]] {
            let w = try Wasserstein1D.powered(try c.vector("u"), try c.vector("v"), weightsA: try c.vector("uWeights"),
                                              weightsB: try c.vector("vWeights"), p: try c.double("p"))
            XCTAssertEqual(w, try c.double("powered"), accuracy: 1e-12)
        }
    }

    func testClosedFormsAndSymmetry() throws {
        // Uniform equal sizes: sorted matching.
        XCTAssertEqual(try Wasserstein1D.powered([0, 1, 2], [5, 3, 4], p: 2), (9.0 + 9 + 9) / 3, accuracy: 1e-15)
        XCTAssertEqual(try Wasserstein1D.powered([0], [2], p: 3), 8, accuracy: 1e-15)
        // Point mass against two atoms: W_1 = Σ β_j |x − y_j|.
        XCTAssertEqual(try Wasserstein1D.powered([0], [1, 3], weightsB: [0.25, 0.75], p: 1), 0.25 + 2.25, accuracy: 1e-15)
        forAll(cases: 30) { g, _ in
            let n = g.int(in: 1...40), m = g.int(in: 1...40)
            let a = (0..<n).map { _ in g.nextStandardNormal() }, b = (0..<m).map { _ in 3 * g.nextStandardNormal() }
            let wa = (0..<n).map { _ in g.double(in: 0.01...1) }, wb = (0..<m).map { _ in g.double(in: 0.01...1) }
            let p = g.double(in: 1...4)
            let ab = try Wasserstein1D.powered(a, b, weightsA: wa, weightsB: wb, p: p)
            let ba = try Wasserstein1D.powered(b, a, weightsA: wb, weightsB: wa, p: p)
            XCTAssertEqual(ab, ba, accuracy: 1e-10 * max(1, ab))
            XCTAssertGreaterThanOrEqual(ab, 0)
            // Duplicating every atom with half the weight changes nothing.
            let aa = a + a, waa = wa + wa
            XCTAssertEqual(try Wasserstein1D.powered(aa, b, weightsA: waa, weightsB: wb, p: p), ab, accuracy: 1e-10 * max(1, ab))
            XCTAssertEqual(try Wasserstein1D.powered(a, a, weightsA: wa, weightsB: wa, p: p), 0, accuracy: 1e-14)
        }
    }

    func testRadixSortMatchesStandardSort() {
        forAll(cases: 20) { g, _ in
            let n = g.int(in: 0...3000)
            var v = (0..<n).map { _ -> Double in
                switch g.int(in: 0...4) {
                case 0: return g.nextStandardNormal() * 1e-300
                case 1: return -g.nextUniform() * 1e300
                case 2: return Double(g.int(in: -3...3))
                case 3: return g.nextUniform() < 0.5 ? 0.0 : -0.0
                default: return g.nextStandardNormal()
                }
            }
            let reference = v.sorted()
            let original = v
            var perm = [Int32](repeating: 0, count: n)
            var sorter = RadixSorter(capacity: 8)
            v.withUnsafeMutableBufferPointer { vb in perm.withUnsafeMutableBufferPointer { sorter.sort(vb, permutation: $0) } }
            XCTAssertEqual(v.map { $0 == 0 ? 0 : $0 }, reference.map { $0 == 0 ? 0 : $0 })
            for k in 0..<n { XCTAssertEqual(original[Int(perm[k])], v[k]) }
        }
    }

    func testBadInputs() {
        assertThrows(["first point set is empty"]) { try Wasserstein1D.powered([], [1]) }
        assertThrows(["second point 1", "non-finite"]) { try Wasserstein1D.powered([1], [1, .nan]) }
        assertThrows(["first weight 0 is invalid"]) { try Wasserstein1D.powered([1, 2], [1], weightsA: [-1, 2]) }
        assertThrows(["second weights sum to zero"]) { try Wasserstein1D.powered([1], [1, 2], weightsB: [0, 0]) }
        assertThrows(["2 points but 3 weights"]) { try Wasserstein1D.powered([1, 2], [1], weightsA: [1, 1, 1]) }
        assertThrows(["p = 0.5"]) { try Wasserstein1D.powered([1], [2], p: 0.5) }
    }
}
