/// The bytes each rank hands to MPI in one call of each distributed routine, as counted by
/// ``Communicator/bytesSent``: the scaling model of the distributed algorithms, exact for the
/// counting convention (a message of `k` values costs `8 k` bytes; variable-length messages add 8
/// bytes for the length; an agreement step costs 8).
///
/// The leading terms are what matter for scaling:
///
/// | routine | bytes per rank and call | leading term |
/// |---|---|---|
/// | ``TallSkinnyQR`` | `8 (d² + 5)` | `8 d²`, independent of `n` and `P` |
/// | ``DistributedLeverageScores`` | `8 (d² + 9)` | `8 d²` |
/// | ``DistributedLewisWeights`` | `8 (d² + 10) + 8 (k + 1)(d² + 6)` for `k` iterations | `8 k d²` |
/// | ``DistributedSlicedWasserstein`` | `8 (n_r + m_r)(L − L_r) + 8 (6 L_r + P + 2d + 18)` (+ `8 (n_r + 6)` per weighted cloud of `n_r` local points) | `8 (n + m) L (P − 1) / P²` |
/// | ``DistributedSinkhorn`` | `8 m (k + 1) + 24 (k + s) + 72` for `k` iterations in `s` stages | `8 m` per iteration |
///
/// Bytes on the wire differ by the collective algorithm Open MPI picks: a ring allreduce moves
/// about `2 (P − 1)/P` times its payload per rank, a binomial-tree gather moves the root's share
/// through intermediate ranks. The payload is the figure an implementation controls.
public enum CommunicationModel {
    /// Bytes per rank of ``TallSkinnyQR/triangularFactor(_:communicator:)`` on `d` columns: the
    /// column check (16), two agreements (16), and either the gathered factor (ranks > 0) or the
    /// broadcast one (rank 0), `8 (d² + 1)`.
    public static func tallSkinnyQR(columns d: Int) -> Int { 8 * (d * d + 5) }

    /// Bytes per rank of ``DistributedLeverageScores/exact(_:communicator:)``: the validation
    /// (column check, agreement, row count: 32) and one tall-skinny QR.
    public static func leverageScores(columns d: Int) -> Int { 32 + tallSkinnyQR(columns: d) }

    /// Bytes per rank of ``DistributedLewisWeights/compute(_:options:communicator:)`` that ran
    /// `iterations` fixed-point steps and stopped on its tolerance: the options' agreement (8), the
    /// leverage-score start, and per evaluated iterate one tall-skinny QR and the residual's
    /// allreduce (8) — `iterations + 1` iterates, the last one accepted.
    public static func lewisWeights(columns d: Int, iterations: Int) -> Int {
        8 + leverageScores(columns: d) + (iterations + 1) * (tallSkinnyQR(columns: d) + 8)
    }

    /// Bytes rank `rank` sends in ``DistributedSlicedWasserstein/estimate(source:sourceWeights:target:targetWeights:seed:communicator:)``
    /// holding `sourceRows` and `targetRows` points in dimension `d`, for `directions` directions
    /// on `ranks` ranks, with or without weights given for each cloud.
    ///
    /// Per cloud: the agreement (8), the shape check (32), the counts (16); with weights their
    /// maximum and total (16), the uniformity check (24) and the gathered weights
    /// `8 (n_r + 1)`; the moments `8 (d + 1)`. Then the directions' agreement (8), the transpose
    /// `8 (P + (n_r + m_r)(L − L_r))` and the per-direction figures `8 (6 L_r + 1)`.
    public static func slicedWasserstein(sourceRows: Int, targetRows: Int, dimension d: Int, directions: Int, ranks: Int,
                                         rank: Int, sourceWeighted: Bool = false, targetWeighted: Bool = false) -> Int {
        let mine = (try? RowPartition(total: directions, parts: ranks))?.range(rank).count ?? 0
        let perCloud = 8 + 32 + 16 + 8 * (d + 1)
        var bytes = 2 * perCloud + 8 + 8 * (ranks + (sourceRows + targetRows) * (directions - mine)) + 8 * (6 * mine + 1)
        // A weighted cloud: maximum, total and uniformity check (40) and the gathered weights.
        if sourceWeighted { bytes += 40 + 8 * (sourceRows + 1) }
        if targetWeighted { bytes += 40 + 8 * (targetRows + 1) }
        return bytes
    }

    /// Bytes per rank of ``DistributedSinkhorn/solve(sourcePoints:sourceWeights:target:groundCost:normalizeCost:massTolerance:communicator:)``
    /// against `m` target points, converged after `iterations` iterations in `stages`
    /// continuation stages: the setup (agreement, masses, cost extremes: 48); per row pass the
    /// error, mass and dual terms (24) — one per iteration and one more per stage, the pass that
    /// accepts it; per column pass the column log-sum-exps `8 m`; the final pass's overflow check
    /// (8), column sums and totals `8 m + 16`.
    public static func sinkhorn(targetPoints m: Int, iterations: Int, stages: Int) -> Int {
        48 + 24 * (iterations + stages) + 8 * m * iterations + 8 * m + 24
    }
}
