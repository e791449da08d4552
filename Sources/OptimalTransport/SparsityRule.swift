/// How SNS sparsifies the off-diagonal block `P` of the Hessian (the diagonal blocks `diag(P1)`,
/// `diag(Pᵀ1)` are always kept exactly).
///
/// Tang et al. keep a fixed budget of `⌈λ n m⌉` largest entries with `λ = 2/n` (about two per
/// row). On the very problems of their benchmark that budget leaves a large share of the plan's
/// mass out of the Hessian (6.8 % of the optimal plan's mass lies outside its top 2n entries for
/// the random n = 500 problem, 24 % for 28×28 W2 images), and the Newton step then converges
/// slowly or stalls. The mass rule keeps, in every row and column, the largest entries until the
/// mass left out is below a threshold; it adapts the budget to the plan and is the default (see the
/// README for the measured comparison).
public enum SparsityRule: Sendable, Equatable {
    /// Keep the `⌈λ n m⌉` largest entries (Tang et al.: `λ = 2/n`).
    case fixedBudget(lambda: Double)
    /// Keep about `k` entries per row: `λ = k / n` (`k = 2` is the paper's rule).
    case entriesPerRow(Double)
    /// Every row and every column keeps its largest entries until what it leaves out is at most
    /// this fraction of its own mass (an entry is dropped only if both its row and its column
    /// allow it). A global mass budget was tried first: it drops whole rows of low-mass bins
    /// (blob tails), whose Newton updates then ignore all coupling, and SNS converged only linearly
    /// (rate ≈ 0.37 per step on the 28×28 W2 case even at 1e-6 of the mass left out, against
    /// quadratic convergence with the per-row rule at 1e-4).
    case massThreshold(Double)

    /// The paper's rule, `λ = 2/n`.
    public static let paper = SparsityRule.entriesPerRow(2)

    func validate() throws {
        switch self {
        case .fixedBudget(let l):
            guard l > 0, l <= 1 else { throw OptimalTransportError.invalidParameter(name: "lambda", value: l, requirement: "must be in (0, 1]") }
        case .entriesPerRow(let k):
            guard k > 0, k.isFinite else { throw OptimalTransportError.invalidParameter(name: "entriesPerRow", value: k, requirement: "must be positive") }
        case .massThreshold(let t):
            guard t >= 0, t < 1 else { throw OptimalTransportError.invalidParameter(name: "massThreshold", value: t, requirement: "must be in [0, 1)") }
        }
    }
}
