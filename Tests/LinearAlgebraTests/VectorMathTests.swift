import Foundation
@testable import LinearAlgebra
import TestSupport
import XCTest

#if arch(x86_64) && canImport(Glibc)
import Glibc
/// Reference value in 64-bit-mantissa extended precision.
func referenceExp(_ x: Double) -> Float80 { expl(Float80(x)) }
func referenceExpm1(_ x: Double) -> Float80 { expm1l(Float80(x)) }
func referenceLog(_ x: Double) -> Float80 { logl(Float80(x)) }
#else
func referenceExp(_ x: Double) -> Double { Foundation.exp(x) }
func referenceExpm1(_ x: Double) -> Double { Foundation.expm1(x) }
func referenceLog(_ x: Double) -> Double { Foundation.log(x) }
#endif

/// Error of `y` in units in the last place of the correctly rounded result.
func ulpError(_ y: Double, _ reference: some BinaryFloatingPoint) -> Double {
    let r = Double(reference)
    if r == y { return 0 }
    if r.isInfinite || y.isInfinite { return .infinity }
    let ulp = r == 0 ? Double.leastNonzeroMagnitude : r.ulp
    return Double(abs(Float80(y) - Float80(reference)) / Float80(ulp))
}

/// Every test runs on every instruction-set level this CPU supports (on an AVX2 machine both the
/// AVX2 + FMA kernels and the portable ones that other CPUs run).
final class VectorMathTests: XCTestCase {
    func testTheActiveLevelIsTheBestSupportedOne() {
        XCTAssertTrue(VectorInstructionSet.isSupported(.portable))
        XCTAssertTrue(VectorInstructionSet.isSupported(VectorInstructionSet.active))
        if VectorInstructionSet.isSupported(.avx2FMA) { XCTAssertEqual(VectorInstructionSet.active, .avx2FMA) }
    }

    func testLevelsAgreeToAFewUlp() {
        var g = Xoshiro256StarStar(seed: 9)
        let xs = (0..<4099).map { _ in g.double(in: -700...700) }
        let positive = xs.map { Foundation.exp($0 / 2) }
        let levels = VectorInstructionSet.allCases.filter(VectorInstructionSet.isSupported)
        for function in VectorMath.Function.allCases {
            let input = function == .log ? positive : xs
            let results = levels.map { VectorMath.apply(function, input, level: $0) }
            for r in results.dropFirst() {
                for k in input.indices { XCTAssertLessThanOrEqual(ulpError(r[k], results[0][k]), 4, "\(function) at \(input[k])") }
            }
        }
    }

    func testExpMaxUlpErrorOverTheWholeRange() {
        for level in VectorInstructionSet.allCases where VectorInstructionSet.isSupported(level) {
            // A dense even sample of [−745.2, 709.8] plus a dense sample of [−1, 1].
            let n = 150_000
            var xs = (0..<n).map { -745.2 + (709.8 + 745.2) * Double($0) / Double(n - 1) }
            xs += (0..<20_000).map { -1 + 2 * Double($0) / 19_999 }
            let ys = VectorMath.apply(.exp, xs, level: level)
            var worstNormal = 0.0
            var worstSubnormal = 0.0
            for (x, y) in zip(xs, ys) {
                let e = ulpError(y, referenceExp(x))
                if Double(referenceExp(x)) >= Double.leastNormalMagnitude {
                    worstNormal = max(worstNormal, e)
                } else {
                    worstSubnormal = max(worstSubnormal, e)
                }
            }
            XCTAssertLessThanOrEqual(worstNormal, 2, "max ulp error on normal results")
            XCTAssertLessThanOrEqual(worstSubnormal, 1, "subnormal results are within one (absolute) subnormal ulp")
        }
    }

    func testExpSpecialValues() {
        for level in VectorInstructionSet.allCases where VectorInstructionSet.isSupported(level) {
            let xs: [Double] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, 709.78, 709.79, 710, 1e300,
                                -745.13, -745.14, -746, -1e300, 1e-300, -708.4, -708.39, .leastNonzeroMagnitude]
            let ys = VectorMath.apply(.exp, xs, level: level)
            XCTAssertEqual(ys[0], 1)
            XCTAssertEqual(ys[1], 1)
            XCTAssertEqual(ys[2], M_E, accuracy: 1e-15)
            XCTAssertEqual(ys[4], .infinity)
            XCTAssertEqual(ys[5], 0)
            XCTAssertTrue(ys[6].isNaN)
            XCTAssertTrue(ys[7].isFinite)
            XCTAssertEqual(ys[8], .infinity)
            XCTAssertEqual(ys[9], .infinity)
            XCTAssertEqual(ys[10], .infinity)
            XCTAssertEqual(ys[11], Foundation.exp(-745.13))
            XCTAssertEqual(ys[12], 0)
            XCTAssertEqual(ys[13], 0)
            XCTAssertEqual(ys[14], 0)
            XCTAssertEqual(ys[15], 1)
            XCTAssertEqual(ys[18], 1)
            // Flushing variant: subnormal results become exactly zero, the rest is unchanged.
            let flushed = VectorMath.apply(.expFlushingSubnormals, xs, level: level)
            XCTAssertEqual(flushed[16], 0)
            XCTAssertEqual(flushed[11], 0)
            XCTAssertEqual(flushed[17], ys[17])
            XCTAssertEqual(flushed[2], ys[2])
            XCTAssertTrue(flushed[6].isNaN)
            XCTAssertEqual(flushed[4], .infinity)
        }
    }

    func testTailLengthsAndInPlace() {
        for level in VectorInstructionSet.allCases where VectorInstructionSet.isSupported(level) {
            for n in 0..<20 {
                let xs = (0..<n).map { Double($0) * 0.37 - 3 }
                let ys = VectorMath.apply(.exp, xs, level: level)
                for (x, y) in zip(xs, ys) { XCTAssertLessThanOrEqual(ulpError(y, referenceExp(x)), 2) }
            }
        }
    }

    func testExpm1IsAccurateForTinyAndLargeArguments() {
        for level in VectorInstructionSet.allCases where VectorInstructionSet.isSupported(level) {
            var xs: [Double] = [1e-300, -1e-300, 1e-17, -1e-17, 1e-10, -3e-9, 0.1, -0.2, 0.33, -0.339, 0.35, 1, -1, 5, -40, 700]
            var g = Xoshiro256StarStar(seed: 1)
            xs += (0..<2000).map { _ in g.double(in: -2...2) }
            xs += (0..<2000).map { _ in g.double(in: -1e-6...1e-6) }
            let ys = VectorMath.apply(.expm1, xs, level: level)
            var worst = 0.0
            for (x, y) in zip(xs, ys) { worst = max(worst, ulpError(y, referenceExpm1(x))) }
            XCTAssertLessThanOrEqual(worst, 3)
            XCTAssertTrue(VectorMath.apply(.expm1, [.nan], level: level)[0].isNaN)
            XCTAssertEqual(VectorMath.apply(.expm1, [-.infinity], level: level)[0], -1)
        }
    }

    func testLogAccuracyAndSpecialValues() {
        for level in VectorInstructionSet.allCases where VectorInstructionSet.isSupported(level) {
            var g = Xoshiro256StarStar(seed: 4)
            var xs: [Double] = [1, 2, 0.5, 1.4142135623730951, 1.4142135623730954, 0.7071067811865476, 1 + 1e-15, 1 - 1e-16,
                                Double.leastNormalMagnitude, Double.leastNonzeroMagnitude, 3e-320, Double.greatestFiniteMagnitude]
            xs += (0..<5000).map { _ in g.double(in: 0.5...2) }
            xs += (0..<5000).map { _ in Foundation.exp(g.double(in: -740...709)) }
            let ys = VectorMath.apply(.log, xs, level: level)
            var worst = 0.0
            for (x, y) in zip(xs, ys) where x != 1 { worst = max(worst, ulpError(y, referenceLog(x))) }
            XCTAssertEqual(ys[0], 0)
            XCTAssertLessThanOrEqual(worst, 2)
            let special = VectorMath.apply(.log, [0, -1, .infinity, .nan, -0.0], level: level)
            XCTAssertEqual(special[0], -.infinity)
            XCTAssertTrue(special[1].isNaN)
            XCTAssertEqual(special[2], .infinity)
            XCTAssertTrue(special[3].isNaN)
            XCTAssertEqual(special[4], -.infinity)
        }
    }
}
