import Foundation

/// The arithmetic the kernel formulas are written in: `Double` for values, `Dual` for exact
/// derivatives with respect to one hyperparameter (forward mode), so every hyperparameter
/// gradient comes from the same closed-form expressions as the values.
protocol KernelReal {
    init(_ value: Double)
    var value: Double { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func expm(_ a: Self) -> Self
    static func cosine(_ a: Self) -> Self
    static func sine(_ a: Self) -> Self
    static func root(_ a: Self) -> Self
}

extension Double: KernelReal {
    var value: Double { self }
    static func expm(_ a: Double) -> Double { Foundation.exp(a) }
    static func cosine(_ a: Double) -> Double { Foundation.cos(a) }
    static func sine(_ a: Double) -> Double { Foundation.sin(a) }
    static func root(_ a: Double) -> Double { a.squareRoot() }
}

/// A dual number `v + d ε` with `ε² = 0`.
struct Dual: KernelReal {
    var v: Double
    var d: Double
    init(_ value: Double) { v = value; d = 0 }
    init(_ v: Double, _ d: Double) { self.v = v; self.d = d }
    var value: Double { v }
    static func + (a: Dual, b: Dual) -> Dual { Dual(a.v + b.v, a.d + b.d) }
    static func - (a: Dual, b: Dual) -> Dual { Dual(a.v - b.v, a.d - b.d) }
    static func * (a: Dual, b: Dual) -> Dual { Dual(a.v * b.v, a.d * b.v + a.v * b.d) }
    static prefix func - (a: Dual) -> Dual { Dual(-a.v, -a.d) }
    static func expm(_ a: Dual) -> Dual { let e = Foundation.exp(a.v); return Dual(e, e * a.d) }
    static func cosine(_ a: Dual) -> Dual { Dual(Foundation.cos(a.v), -Foundation.sin(a.v) * a.d) }
    static func sine(_ a: Dual) -> Dual { Dual(Foundation.sin(a.v), Foundation.cos(a.v) * a.d) }
    static func root(_ a: Dual) -> Dual { let s = a.v.squareRoot(); return Dual(s, a.d / (2 * s)) }
}
