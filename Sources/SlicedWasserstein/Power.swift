import Foundation

/// `x^y` from the C library (kept in one place so the estimator files need not import Foundation).
@inline(__always) func rootPower(_ x: Double, _ y: Double) -> Double { y == 0.5 ? x.squareRoot() : Foundation.pow(x, y) }
