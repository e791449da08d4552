import LinearAlgebra

extension TransportProblem {
    /// A problem between two histograms (images) on the same regular grid: each cell is a bin
    /// whose weight is the cell's value (normalized to unit mass) and whose location is the cell
    /// centre `(row, column)` in cell units; the cost is the ground cost between cell centres.
    ///
    /// Bins are numbered in the images' column-major order (`row + column · height`), like
    /// `Matrix` storage. Zero cells are legal (zero-mass bins). W2 uses `.squaredEuclidean`, W1 with
    /// the ℓ1 cost of Tang et al.'s image experiments uses `.manhattan`.
    /// - Parameters:
    ///   - source: the source image; each cell's value is its mass.
    ///   - target: the target image, of the same shape.
    ///   - groundCost: the cost between cell centres.
    ///   - normalizeCost: divide the cost by its maximum (the benchmarks do).
    /// - Throws: `.supportMismatch` for images of different shapes, `OptimalTransportError` for
    ///   negative, non-finite or all-zero images.
    public static func grid(source: Matrix, target: Matrix, groundCost: GroundCost = .squaredEuclidean,
                            normalizeCost: Bool = true) throws -> TransportProblem {
        guard source.rows == target.rows, source.columns == target.columns else {
            throw OptimalTransportError.supportMismatch("images of shape \(source.rows)×\(source.columns) and \(target.rows)×\(target.columns)")
        }
        let h = source.rows, w = source.columns
        guard h * w > 0 else { throw OptimalTransportError.emptyMeasure("source") }
        let points = Matrix(rows: h * w, columns: 2) { k, axis in Double(axis == 0 ? k % h : k / h) }
        let sMass = source.elements.reduce(0, +), tMass = target.elements.reduce(0, +)
        let r = try DiscreteMeasure(weights: source.elements.map { sMass > 0 && sMass.isFinite ? $0 / sMass : $0 }, support: points, name: "source")
        let c = try DiscreteMeasure(weights: target.elements.map { tMass > 0 && tMass.isFinite ? $0 / tMass : $0 }, support: points, name: "target")
        return try TransportProblem(source: r, target: c, groundCost: groundCost, normalizeCost: normalizeCost)
    }
}
