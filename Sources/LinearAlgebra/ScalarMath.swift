#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's scalar `exp` (tails of vector loops).
@inline(__always) func libmExp(_ x: Double) -> Double { exp(x) }
/// The C library's scalar `log`.
@inline(__always) func libmLog(_ x: Double) -> Double { log(x) }
