#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RandomNumberGenerator {
    /// A uniform double in `[0, 1)` from the top 53 bits of `next()` (every value a multiple of 2⁻⁵³).
    @inlinable
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal variate (Box–Muller; one of the pair is discarded — use
    /// `RandomSampling.fillStandardNormal` to fill buffers without waste).
    public mutating func nextStandardNormal() -> Double {
        let u1 = 1 - nextUniform()          // (0, 1]: log is finite
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Seeded sampling routines: normals, directions on the sphere, discrete draws.
public enum RandomSampling {
    /// Fills `buffer` with independent standard normals (Box–Muller, both variates of each pair used).
    /// - Complexity: O(n), one `log`, `sqrt`, `sin` and `cos` per pair.
    public static func fillStandardNormal(_ buffer: UnsafeMutableBufferPointer<Double>, using generator: inout some RandomNumberGenerator) {
        var i = 0
        let n = buffer.count
        while i < n {
            let u1 = 1 - generator.nextUniform()
            let u2 = generator.nextUniform()
            let r = (-2 * log(u1)).squareRoot()
            let a = 2 * Double.pi * u2
            buffer[i] = r * cos(a)
            if i + 1 < n { buffer[i + 1] = r * sin(a) }
            i += 2
        }
    }

    /// `count` independent standard normals.
    public static func standardNormals(count: Int, using generator: inout some RandomNumberGenerator) -> [Double] {
        var v = [Double](repeating: 0, count: Swift.max(0, count))
        v.withUnsafeMutableBufferPointer { fillStandardNormal($0, using: &generator) }
        return v
    }

    /// `count` independent directions uniform on the unit sphere `S^{d−1}`, as the columns of a
    /// `dimension × count` matrix (a Gaussian vector divided by its norm).
    /// - Throws: `LinearAlgebraError.invalidArgument` if `dimension < 1` or `count < 0`.
    /// - Complexity: O(dimension · count).
    public static func uniformDirections(
        dimension: Int, count: Int, using generator: inout some RandomNumberGenerator
    ) throws -> Matrix {
        guard dimension >= 1 else {
            throw LinearAlgebraError.invalidArgument(routine: "RandomSampling.uniformDirections", argument: "dimension", reason: "must be at least 1, got \(dimension)")
        }
        guard count >= 0 else {
            throw LinearAlgebraError.invalidArgument(routine: "RandomSampling.uniformDirections", argument: "count", reason: "must not be negative, got \(count)")
        }
        var m = Matrix(rows: dimension, columns: count)
        m.withUnsafeMutableBufferPointer { buffer in
            fillStandardNormal(buffer, using: &generator)
            for j in 0..<count {
                let column = UnsafeMutableBufferPointer(rebasing: buffer[(j * dimension)..<((j + 1) * dimension)])
                var norm = UnsafeBLAS.nrm2(count: dimension, column.baseAddress!)
                while norm == 0 {   // probability zero; redraw rather than divide by zero
                    fillStandardNormal(column, using: &generator)
                    norm = UnsafeBLAS.nrm2(count: dimension, column.baseAddress!)
                }
                UnsafeBLAS.scal(count: dimension, alpha: 1 / norm, x: column.baseAddress!)
            }
        }
        return m
    }
}
