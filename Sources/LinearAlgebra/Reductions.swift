/// How a routine completes a sum, maximum, minimum or log-sum-exp over values that may be spread across
/// processes.
///
/// A single-process routine uses ``local`` (every reduction is the identity: the values are
/// already complete). A distributed caller in the same package passes reductions across its
/// processes (MPI allreduces), so that the same iteration runs on a shard of the data and every
/// process sees the same global figures. Each closure takes this process's partial values and
/// returns the global ones, elementwise.
package struct Reductions {
    /// Elementwise global sums.
    package var sum: ([Double]) throws -> [Double]
    /// Elementwise global maxima.
    package var maximum: ([Double]) throws -> [Double]
    /// Elementwise global minima.
    package var minimum: ([Double]) throws -> [Double]
    /// Elementwise `log Σ exp` of logarithms of partial sums (a stable (maximum, sum) reduction).
    package var logSumExp: ([Double]) throws -> [Double]

    /// Reductions from three closures.
    package init(sum: @escaping ([Double]) throws -> [Double], maximum: @escaping ([Double]) throws -> [Double],
                 minimum: @escaping ([Double]) throws -> [Double], logSumExp: @escaping ([Double]) throws -> [Double]) {
        self.sum = sum
        self.maximum = maximum
        self.minimum = minimum
        self.logSumExp = logSumExp
    }

    /// The identity reductions of a single process.
    package static var local: Reductions { Reductions(sum: { $0 }, maximum: { $0 }, minimum: { $0 }, logSumExp: { $0 }) }

    /// The global sum of one value.
    package func sum(_ value: Double) throws -> Double { try sum([value])[0] }
    /// The global maximum of one value.
    package func maximum(_ value: Double) throws -> Double { try maximum([value])[0] }
    /// The global minimum of one value.
    package func minimum(_ value: Double) throws -> Double { try minimum([value])[0] }
}
