import LinearAlgebra

/// An even grid of `count ≥ 3` points on `[lower, upper]` (both ends included).
public struct Grid1D: Sendable, Equatable {
    /// Left end.
    public let lower: Double
    /// Right end.
    public let upper: Double
    /// Number of points.
    public let count: Int

    /// The most points a grid may have: its points must fit in memory as an array.
    public static let maxCount = 1 << 32

    /// - Throws: `GaussianProcessPDEError.invalidGrid` for fewer than 3 or more than `maxCount`
    ///   points, or a non-finite or empty interval.
    public init(lower: Double, upper: Double, count: Int) throws {
        do {
            guard count >= 3 else { throw GaussianProcessPDEError.invalidGrid("needs at least 3 points, got \(count)") }
            guard count <= Grid1D.maxCount else {
                throw GaussianProcessPDEError.invalidGrid("\(count) points is more than the \(Grid1D.maxCount) a grid may have")
            }
            guard lower.isFinite, upper.isFinite, upper > lower else {
                throw GaussianProcessPDEError.invalidGrid("interval [\(lower), \(upper)] is empty or not finite")
            }
            self.lower = lower
            self.upper = upper
            self.count = count
        } catch {
            throw RoutineError.wrapping(error, in: "Grid1D.init")
        }
    }

    /// Spacing `(upper − lower)/(count − 1)`.
    public var spacing: Double { (upper - lower) / Double(count - 1) }
    /// Point `i`.
    public func point(_ i: Int) -> Double { i == count - 1 ? upper : lower + Double(i) * spacing }
    /// All points.
    public var points: [Double] { (0..<count).map(point) }
}
