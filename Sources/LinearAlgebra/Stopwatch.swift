/// Wall-clock timing on the monotonic clock, for solver histories and the benchmark.
public struct Stopwatch: Sendable {
    private let start: ContinuousClock.Instant

    /// Starts timing now.
    public init() { start = ContinuousClock.now }

    /// Seconds since the stopwatch was created.
    public var elapsed: Double {
        let d = ContinuousClock.now - start
        let (s, atto) = d.components
        return Double(s) + Double(atto) * 1e-18
    }

    /// Runs `body` and returns its result with the elapsed seconds.
    public static func time<R>(_ body: () throws -> R) rethrows -> (result: R, seconds: Double) {
        let w = Stopwatch()
        let r = try body()
        return (r, w.elapsed)
    }
}
