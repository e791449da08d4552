import Foundation

/// `x^y` from the C library (kept in one place so the estimator files need not import Foundation).
@inline(__always) func rootPower(_ x: Double, _ y: Double) -> Double { y == 0.5 ? x.squareRoot() : Foundation.pow(x, y) }

/// The natural logarithm from the C library.
@inline(__always) func naturalLog(_ x: Double) -> Double { Foundation.log(x) }

/// `e^x` from the C library.
@inline(__always) func exponential(_ x: Double) -> Double { Foundation.exp(x) }
