// Vectorized elementwise and reduction kernels of LinearAlgebra, compiled twice: once for the
// portable baseline of the target architecture and once, on x86-64, for AVX2 + FMA (per-function
// target attributes, no build flags). The caller chooses the instruction set at run time with
// `cvk_best_level()`; only LinearAlgebra imports this module, with `internal import`.
#ifndef CVECTORKERNELS_H
#define CVECTORKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The portable code path: SSE2 on x86-64, NEON (with fused multiply-add) on arm64.
#define CVK_LEVEL_PORTABLE 0
/// The x86-64-v3 code path: 256-bit AVX2 with fused multiply-add.
#define CVK_LEVEL_AVX2_FMA 1

/// The fastest level this CPU supports (asks the CPU; cheap, but callers cache it).
int cvk_best_level(void);

/// Whether `level` can run on this CPU.
int cvk_level_supported(int level);

// Elementwise maps; `x` and `y` may be the same memory. `n` must be non-negative.
void cvk_exp(int level, const double *x, double *y, ptrdiff_t n);
void cvk_exp_flush(int level, const double *x, double *y, ptrdiff_t n);
void cvk_expm1(int level, const double *x, double *y, ptrdiff_t n);
void cvk_log(int level, const double *x, double *y, ptrdiff_t n);

/// Row log-sum-exp of rows `[row_begin, row_end)` of a column-major `lda × m` matrix:
/// `out[i] = log Σ_j exp(scale · M[i, j] + b[j])` (`b` may be NULL for zero offsets).
/// `scratch` holds at least `3 · ((row_end − row_begin + 7) & ~7)` doubles.
void cvk_lse_rows(int level, const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                  const double *column_offsets, ptrdiff_t row_begin, ptrdiff_t row_end,
                  double *scratch, double *out);

/// Single-pass row log-sum-exp against a reference per row (see LogSumExp): accumulates
/// `sums[k] = Σ_j exp(scale · M[row_begin + k, j] + b[j] − reference[k])` for `k < row_end − row_begin`.
/// `sums` must be zeroed by the caller.
void cvk_lse_rows_reference_sums(int level, const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                                 const double *column_offsets, ptrdiff_t row_begin, ptrdiff_t row_end,
                                 const double *reference, double *sums);

/// `max_i (scale · c[i] + a[i])` over one contiguous column (`a` may be NULL).
double cvk_column_max(int level, const double *c, ptrdiff_t n, double scale, const double *a);

/// `Σ_i exp(scale · c[i] + a[i] − shift)` over one contiguous column, for `shift` at least the
/// maximum exponent (terms below `e^−64` of it may be skipped in groups of eight).
double cvk_column_sum_exp(int level, const double *c, ptrdiff_t n, double scale, const double *a, double shift);

/// One column of an entropic transport plan, `out[i] = exp(ax[i] + by_j + neg_eta · c[i])`
/// (subnormal values flushed to zero), added to `row_acc`; returns the column's sum.
double cvk_plan_column(int level, const double *c, ptrdiff_t n, double neg_eta, const double *ax,
                       double by_j, double *out, double *row_acc);

/// One column of a multiplicative plan update `out[i] = p[i] · exp(wx[i] + wy_j)` computed as
/// `p + p · expm1(w)` (zero entries stay zero), added to `row_acc`. Writes into `sums`
/// `Σ p·expm1(w)`, `Σ |p·expm1(w)|` and `Σ out`.
void cvk_scaled_column(int level, const double *p, ptrdiff_t n, const double *wx, double wy_j,
                       double *out, double *row_acc, double sums[3]);

#ifdef __cplusplus
}
#endif

#endif
