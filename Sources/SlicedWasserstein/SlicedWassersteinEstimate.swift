/// The result of a sliced Wasserstein estimate.
public struct SlicedWassersteinEstimate: Sendable {
    /// The estimate of `SW_p^p` (controlled, when a control variate was used), in units of
    /// `powerUnit^p`. May be negative for a controlled estimate of a tiny distance; then `distance`
    /// is nil and `isNegative` set.
    public let powered: Double
    /// The unit of every p-th-power figure (`powered`, `monteCarlo`, `standardError`, `values`;
    /// `coefficients` scale with them): 1, unless some direction's `W_p^p` leaves the double range
    /// (a large `p` on spread-out clouds, or clouds a tiny distance apart). Then those directions
    /// are computed in units of their largest matched difference and carried as logarithms,
    /// `powerUnit^p` is the largest per-direction `W_p^p`, every figure is divided by it, and
    /// `SW_p^p = powered · powerUnit^p` may not itself be representable — but `distance` is.
    /// Not used with fixed coefficients (their units are the caller's), nor by the gradient.
    public let powerUnit: Double
    /// `SW_p = powerUnit · powered^{1/p}`, or nil when `powered < 0` (never NaN).
    public let distance: Double?
    /// True when the controlled estimate of `SW_p^p` came out negative.
    public let isNegative: Bool
    /// The plain Monte Carlo estimate `(1/L) Σ W_l` from the same directions.
    public let monteCarlo: Double
    /// Standard error of `powered` (sample standard deviation of the controlled per-direction
    /// values over √L; degrees of freedom reduced by the number of fitted coefficients).
    public let standardError: Double
    /// The control-variate coefficients γ (empty for plain Monte Carlo; `[γ_low, γ_up]` for both).
    public let coefficients: [Double]
    /// Per-direction values `W_l = W_p^p(θ_l♯μ, θ_l♯ν)`.
    public let values: [Double]
    /// Per-direction control variates, one array per control variate used.
    public let controls: [[Double]]
    /// Their closed-form expectations `E[C]`.
    public let controlMeans: [Double]
    /// Number of directions `L`.
    public let projections: Int
    /// The seed the directions were drawn from.
    public let seed: UInt64
    /// Wall time in seconds.
    public let seconds: Double
}
