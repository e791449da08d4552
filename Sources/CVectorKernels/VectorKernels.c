// Instantiates KernelBody.h once per instruction-set level and dispatches on the level the caller
// passes. No build flags are needed: the AVX2 + FMA copy carries per-function target attributes,
// so the package builds the same way as a root package and as a versioned dependency.
#include "CVectorKernels.h"

#include <math.h>
#include <stdint.h>

// Plain a · b + c is never contracted into an FMA behind the code's back: results are the same
// on every level that has FMA, and FMA is used exactly where the code says so.
#pragma clang fp contract(off)

// Every function that takes or returns a vector is inlined into its caller, which has the same
// target attributes, so no vector ever crosses a call boundary whose ABI would differ.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double vd __attribute__((vector_size(64), aligned(8)));
typedef int64_t vl __attribute__((vector_size(64), aligned(8)));
typedef uint64_t vu __attribute__((vector_size(64), aligned(8)));

#define CVK_LOG2E 1.4426950408889634
#define CVK_LN2HI 6.93147180369123816490e-01
#define CVK_LN2LO 1.90821492927058770002e-10
// 1.5 · 2^52: adding it rounds to an integer and leaves that integer in the low mantissa bits.
#define CVK_SHIFTER 6755399441055744.0
#define CVK_MAX_ARGUMENT 709.782712893384
#define CVK_MIN_ARGUMENT (-745.1332191019412)
#define CVK_MIN_NORMAL_ARGUMENT (-708.3964185322641)
// Exponents below this (relative to the maximum) may be skipped in groups of eight.
#define CVK_NEGLIGIBLE (-64.0)

// The portable level. arm64 always has FMA; x86-64's baseline (SSE2) does not.
#define CVK_FN(name) cvk_portable_##name
#define CVK_ATTR
#if defined(__aarch64__) || defined(__FMA__)
#define CVK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define CVK_FMA(a, b, c) ((a) * (b) + (c))
#endif
#include "KernelBody.h"
#undef CVK_FN
#undef CVK_ATTR
#undef CVK_FMA

#if defined(__x86_64__)
#define CVK_HAS_AVX2_LEVEL 1
#define CVK_FN(name) cvk_avx2_##name
#define CVK_ATTR __attribute__((target("avx2,fma")))
#define CVK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#include "KernelBody.h"
#undef CVK_FN
#undef CVK_ATTR
#undef CVK_FMA
#else
#define CVK_HAS_AVX2_LEVEL 0
#endif

int cvk_level_supported(int level) {
    if (level == CVK_LEVEL_PORTABLE) return 1;
#if CVK_HAS_AVX2_LEVEL
    if (level == CVK_LEVEL_AVX2_FMA) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
#endif
    return 0;
}

int cvk_best_level(void) {
    return cvk_level_supported(CVK_LEVEL_AVX2_FMA) ? CVK_LEVEL_AVX2_FMA : CVK_LEVEL_PORTABLE;
}

// Each entry point runs the AVX2 copy when asked for it (and built), else the portable copy.
#if CVK_HAS_AVX2_LEVEL
#define CVK_DISPATCH(level, name, ...) \
    ((level) == CVK_LEVEL_AVX2_FMA ? cvk_avx2_##name(__VA_ARGS__) : cvk_portable_##name(__VA_ARGS__))
#else
#define CVK_DISPATCH(level, name, ...) ((void)(level), cvk_portable_##name(__VA_ARGS__))
#endif

void cvk_exp(int level, const double *x, double *y, ptrdiff_t n) { CVK_DISPATCH(level, exp, x, y, n); }
void cvk_exp_flush(int level, const double *x, double *y, ptrdiff_t n) { CVK_DISPATCH(level, exp_flush, x, y, n); }
void cvk_expm1(int level, const double *x, double *y, ptrdiff_t n) { CVK_DISPATCH(level, expm1, x, y, n); }
void cvk_log(int level, const double *x, double *y, ptrdiff_t n) { CVK_DISPATCH(level, log, x, y, n); }

void cvk_lse_rows(int level, const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                  const double *column_offsets, ptrdiff_t row_begin, ptrdiff_t row_end,
                  double *scratch, double *out) {
    CVK_DISPATCH(level, lse_rows, matrix, lda, m, scale, column_offsets, row_begin, row_end, scratch, out);
}

void cvk_lse_rows_reference_sums(int level, const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                                 const double *column_offsets, ptrdiff_t row_begin, ptrdiff_t row_end,
                                 const double *reference, double *sums) {
    CVK_DISPATCH(level, lse_rows_reference_sums, matrix, lda, m, scale, column_offsets, row_begin, row_end,
                 reference, sums);
}

double cvk_column_max(int level, const double *c, ptrdiff_t n, double scale, const double *a) {
    return CVK_DISPATCH(level, column_max, c, n, scale, a);
}

double cvk_column_sum_exp(int level, const double *c, ptrdiff_t n, double scale, const double *a, double shift) {
    return CVK_DISPATCH(level, column_sum_exp, c, n, scale, a, shift);
}

double cvk_plan_column(int level, const double *c, ptrdiff_t n, double neg_eta, const double *ax,
                       double by_j, double *out, double *row_acc) {
    return CVK_DISPATCH(level, plan_column, c, n, neg_eta, ax, by_j, out, row_acc);
}

void cvk_scaled_column(int level, const double *p, ptrdiff_t n, const double *wx, double wy_j,
                       double *out, double *row_acc, double sums[3]) {
    CVK_DISPATCH(level, scaled_column, p, n, wx, wy_j, out, row_acc, sums);
}
