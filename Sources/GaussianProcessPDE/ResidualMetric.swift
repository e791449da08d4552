/// How the equation residual `R` is measured in the Kronecker solver's objective.
public enum ResidualMetric: Sendable, Equatable {
    /// `‖R‖²`, the paper's objective. Solved by preconditioned CG with the spectral solve as the
    /// preconditioner (slow to converge: the two metrics differ near the boundary).
    case euclidean
    /// `(L⁻¹R)ᵀ Σ̃ (L⁻¹R)` with `Σ̃ = ⊗ V_k diag(σ_k) V_kᴴ`, `σ_k = diag(V_kᴴ L_kᵀ L_k V_k)`: the
    /// closest metric to the Euclidean one that the per-axis eigenbases diagonalize (equal to it
    /// when each axis's Gram matrix commutes with its derivative Gram matrix, as on a periodic
    /// grid). Linear problems are then solved exactly by one structured solve (default).
    case spectral
}
