import Foundation
@testable import LinearAlgebra
import TestSupport
import XCTest

final class LogSumExpTests: XCTestCase {
    /// Naive sum in extended precision with the maximum shifted out.
    func naive(_ values: [Double]) -> Double {
        let m = values.max()!
        if m == -.infinity { return -.infinity }
        #if arch(x86_64)
        var s: Float80 = 0
        for v in values { s += Float80(Foundation.exp(v - m)) }
        return m + Double(Foundation.log(Double(s)))
        #else
        return m + Foundation.log(values.reduce(0) { $0 + Foundation.exp($1 - m) })
        #endif
    }

    func testMatchesSciPyFixture() throws {
        let f = try Fixture.load("linalg.json").object("logSumExp")
        let c = try f.matrix("matrix")
        let scale = try f.double("scale")
        let rows = try LogSumExp.rows(of: c, scale: scale, columnOffsets: try f.vector("columnOffsets"))
        let cols = try LogSumExp.columns(of: c, scale: scale, rowOffsets: try f.vector("rowOffsets"))
        let refRows = try f.vector("rows"), refCols = try f.vector("columns")
        for (a, b) in zip(rows, refRows) { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, abs(b))) }
        for (a, b) in zip(cols, refCols) { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, abs(b))) }
    }

    func testAgainstNaiveSumsOnRandomShapesAndThreads() throws {
        forAll(cases: 12) { g, _ in
            let n = g.int(in: 1...150), m = g.int(in: 1...90)
            let mat = Matrix.randomUniform(rows: n, columns: m, using: &g)
            let scale = g.double(in: -2000...50)
            let a = (0..<n).map { _ in g.double(in: -100...100) }
            let b = (0..<m).map { _ in g.double(in: -100...100) }
            for threads in [1, 2, 3] {
                let r = try LogSumExp.rows(of: mat, scale: scale, columnOffsets: b, threads: threads)
                let c = try LogSumExp.columns(of: mat, scale: scale, rowOffsets: a, threads: threads)
                for i in 0..<n {
                    let ref = naive((0..<m).map { scale * mat[i, $0] + b[$0] })
                    XCTAssertEqual(r[i], ref, accuracy: 1e-12 * max(1, abs(ref)))
                }
                for j in 0..<m {
                    let ref = naive((0..<n).map { scale * mat[$0, j] + a[$0] })
                    XCTAssertEqual(c[j], ref, accuracy: 1e-12 * max(1, abs(ref)))
                }
            }
        }
    }

    /// The unchecked kernels on every instruction-set level this CPU supports, with and without
    /// offsets and references, against extended-precision sums.
    func testEveryInstructionSetLevelMatchesNaiveSums() throws {
        let levels = VectorInstructionSet.allCases.filter(VectorInstructionSet.isSupported)
        forAll(cases: 6) { g, _ in
            let n = g.int(in: 1...70), m = g.int(in: 1...70)
            let mat = Matrix.randomUniform(rows: n, columns: m, using: &g)
            let scale = g.double(in: -900...20)
            let a = (0..<n).map { _ in g.double(in: -30...30) }
            let b = (0..<m).map { _ in g.double(in: -30...30) }
            let refRows = (0..<n).map { i in naive((0..<m).map { scale * mat[i, $0] + b[$0] }) }
            let refCols = (0..<m).map { j in naive((0..<n).map { scale * mat[$0, j] + a[$0] }) }
            for level in levels {
                for useReference in [false, true] {
                    var rows = [Double](repeating: .nan, count: n), cols = [Double](repeating: .nan, count: m)
                    let rowGuess = refRows.map { $0 + 0.5 }, colGuess = refCols.map { $0 - 0.5 }
                    mat.withUnsafeBufferPointer { mp in
                        LogSumExp.rows(rows: n, columns: m, matrix: mp.baseAddress, scale: scale, columnOffsets: b,
                                       reference: useReference ? rowGuess : nil, into: &rows, threads: 2, level: level)
                        LogSumExp.columns(rows: n, columns: m, matrix: mp.baseAddress, scale: scale, rowOffsets: a,
                                          reference: useReference ? colGuess : nil, into: &cols, threads: 2, level: level)
                    }
                    for i in 0..<n { XCTAssertEqual(rows[i], refRows[i], accuracy: 1e-12 * max(1, abs(refRows[i])), "\(level)") }
                    for j in 0..<m { XCTAssertEqual(cols[j], refCols[j], accuracy: 1e-12 * max(1, abs(refCols[j])), "\(level)") }
                }
            }
        }
    }

    /// The single-pass kernels with a per-row/column reference give the two-pass result whether the
    /// reference is close (accepted), far off (recomputed) or −∞ (recomputed).
    func testReferenceKernelsMatchTwoPass() throws {
        forAll(cases: 8) { g, _ in
            let n = g.int(in: 1...120), m = g.int(in: 1...80)
            let mat = Matrix.randomUniform(rows: n, columns: m, using: &g)
            let scale = g.double(in: -1500 ... -1)
            let a = (0..<n).map { _ in g.double(in: -50...50) }
            let b = (0..<m).map { _ in g.double(in: -50...50) }
            let exactRows = try LogSumExp.rows(of: mat, scale: scale, columnOffsets: b)
            let exactCols = try LogSumExp.columns(of: mat, scale: scale, rowOffsets: a)
            // Close for some entries, 30 nats off for others, −∞ for a few.
            func perturbed(_ x: [Double]) -> [Double] {
                x.map { v in
                    switch g.int(in: 0...3) {
                    case 0: return v + 30
                    case 1: return -.infinity
                    default: return v + g.double(in: -1...1)
                    }
                }
            }
            let refRows = perturbed(exactRows), refCols = perturbed(exactCols)
            var outRows = [Double](repeating: .nan, count: n), outCols = [Double](repeating: .nan, count: m)
            for threads in [1, 2] {
                mat.withUnsafeBufferPointer { mp in
                    LogSumExp.rows(rows: n, columns: m, matrix: mp.baseAddress, scale: scale, columnOffsets: b,
                                   reference: refRows, into: &outRows, threads: threads)
                    LogSumExp.columns(rows: n, columns: m, matrix: mp.baseAddress, scale: scale, rowOffsets: a,
                                      reference: refCols, into: &outCols, threads: threads)
                }
                for i in 0..<n { XCTAssertEqual(outRows[i], exactRows[i], accuracy: 1e-12 * max(1, abs(exactRows[i]))) }
                for j in 0..<m { XCTAssertEqual(outCols[j], exactCols[j], accuracy: 1e-12 * max(1, abs(exactCols[j]))) }
            }
        }
    }

    func testLargeMatrixRowsUseBlockedPath() throws {
        var g = Xoshiro256StarStar(seed: 77)
        let mat = Matrix.randomUniform(rows: 300, columns: 700, using: &g)
        let r = try LogSumExp.rows(of: mat, scale: -1200)
        for i in stride(from: 0, to: 300, by: 37) {
            let ref = naive((0..<700).map { -1200 * mat[i, $0] })
            XCTAssertEqual(r[i], ref, accuracy: 1e-12 * abs(ref))
        }
    }

    func testNegativeInfinityOffsetsDropTerms() throws {
        let mat = try Matrix(rowsOf: [[0, 1], [2, 3]])
        let r = try LogSumExp.rows(of: mat, columnOffsets: [-.infinity, 0])
        XCTAssertEqual(r, [1, 3])
        let all = try LogSumExp.columns(of: mat, rowOffsets: [-.infinity, -.infinity])
        XCTAssertEqual(all, [-.infinity, -.infinity])
        XCTAssertEqual(try LogSumExp.of([]), -.infinity)
        assertThrows(["LogSumExp.of", "x[1]", "NaN"]) { try LogSumExp.of([1, .nan]) }
        assertThrows(["LogSumExp.of", "x[1]", "+∞"]) { try LogSumExp.of([1, .infinity]) }
        XCTAssertEqual(try LogSumExp.of([0, 0]), Foundation.log(2), accuracy: 1e-15)
    }

    func testErrors() throws {
        let mat = Matrix(rows: 2, columns: 3)
        assertThrows(["LogSumExp.rows", "2 offsets for 3 terms"]) { try LogSumExp.rows(of: mat, columnOffsets: [0, 0]) }
        assertThrows(["LogSumExp.columns", "NaN"]) { try LogSumExp.columns(of: mat, rowOffsets: [0, .nan]) }
        assertThrows(["scale"]) { try LogSumExp.rows(of: mat, scale: .infinity) }
        var bad = mat
        bad[1, 2] = .nan
        assertThrows(["non-finite", "row 1, column 2"]) { try LogSumExp.rows(of: bad) }
    }
}
