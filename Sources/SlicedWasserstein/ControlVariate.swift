/// Which control variates the sliced Wasserstein estimator uses (Nguyen & Ho, ICLR 2024).
///
/// Both come from fitting each projected measure with a 1-D Gaussian; with `Δm = m_μ − m_ν`:
///
///     lower: C_low(θ) = (θᵀΔm)²                        E[C_low] = ‖Δm‖² / d
///     upper: C_up(θ)  = (θᵀΔm)² + θᵀΣ_μθ + θᵀΣ_νθ      E[C_up]  = (‖Δm‖² + tr Σ_μ + tr Σ_ν) / d
///
/// (they bound the Gaussian-approximated `W₂²` from below and above). `θᵀΣθ` is the weighted
/// variance of the projections already computed, so no `d × d` matrix is formed and the control
/// variates add O(L (n + m)) work to plain Monte Carlo.
public enum ControlVariate: String, Sendable, CaseIterable {
    /// Plain Monte Carlo.
    case none
    /// The lower-bound control variate (LCV).
    case lower
    /// The upper-bound control variate (UCV).
    case upper
    /// Both control variates, coefficients by least squares (an extension of the paper).
    case both
}

/// How the control-variate coefficient `γ` is estimated from the same `L` directions.
///
/// The variance-optimal `γ = Cov(W, C) / Var(C)` is unknown and estimated, which makes the
/// controlled estimate slightly biased, O(1/L).
public enum CoefficientRule: String, Sendable, CaseIterable {
    /// Textbook least squares: covariance and variance centred on the *sample* mean `C̄`. With
    /// it, LCV is exact on a translated pair (`W(θ) = C_low(θ)` for every θ) and UCV on a pair
    /// scaled about a shared mean, even at L = 10. The default.
    case leastSquares
    /// The reference code's rule (khainb/CV-SW): both centred on the known mean `E[C]`.
    case knownMean
}
