/// A split of `total` items (rows of a matrix, points of a cloud, directions) into `parts`
/// contiguous blocks whose sizes differ by at most one: the first `total mod parts` blocks have one
/// more. Rank `k` of a run owns block `k`.
public struct RowPartition: Sendable, Equatable {
    /// The number of items.
    public let total: Int
    /// The number of blocks.
    public let parts: Int

    /// A partition of `total ≥ 0` items into `parts ≥ 1` blocks.
    /// - Throws: `DistributedError.invalidParameter` for a negative total or fewer than one part.
    public init(total: Int, parts: Int) throws {
        guard total >= 0 else {
            throw DistributedError.invalidParameter(name: "total", value: Double(total), requirement: "must be ≥ 0")
        }
        guard parts >= 1 else {
            throw DistributedError.invalidParameter(name: "parts", value: Double(parts), requirement: "must be ≥ 1")
        }
        self.total = total
        self.parts = parts
    }

    /// The items of block `k` (empty for `k` outside `0..<parts`).
    public func range(_ k: Int) -> Range<Int> {
        guard k >= 0, k < parts else { return 0..<0 }
        let base = total / parts, extra = total % parts
        let start = k * base + Swift.min(k, extra)
        return start..<(start + base + (k < extra ? 1 : 0))
    }

    /// The size of every block, in order.
    public var sizes: [Int] { (0..<parts).map { range($0).count } }
}
