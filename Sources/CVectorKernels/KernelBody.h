// The kernels' bodies, instantiated once per instruction-set level by VectorKernels.c, which
// defines before each inclusion:
//   CVK_FN(name)   the name of this level's copy of a function
//   CVK_ATTR       the target attribute of this level (empty for the portable level)
//   CVK_FMA(a,b,c) a · b + c, fused where the level has FMA, else a multiply and an add
//
// Everything works on eight doubles at a time (`vd`): two AVX2 registers, four SSE2 or NEON ones.
// Loads and stores go through memcpy, which compiles to unaligned vector moves.
//
// exp: Cody–Waite reduction x = k ln 2 + r, |r| ≤ ln 2 / 2, then e^r − 1 = r + r² q(r) with q a
// degree-9 polynomial fitted to (e^r − 1 − r) / r² (weighted least squares on 400 Chebyshev
// nodes in 50-digit arithmetic; max error 0.05 ulp of e^r), evaluated by Estrin's scheme, and the
// result scaled by 2^k in two factors so that a subnormal result is formed by one correctly
// rounded multiply. log: x = 2^e m with m in [√½, √2), log m = 2 atanh(s), s = (m − 1)/(m + 1),
// the series tail fitted by a degree-6 polynomial in s² (relative error 4e-18).

#define VD(x) ((vd){x, x, x, x, x, x, x, x})

static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(load)(const double *p) {
    vd v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) CVK_ATTR void CVK_FN(store)(double *p, vd v) {
    __builtin_memcpy(p, &v, sizeof v);
}

/// Lanes of `a` where `mask` is set, else lanes of `b`.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(select)(vl mask, vd a, vd b) {
    return (vd)(((vl)a & mask) | ((vl)b & ~mask));
}

static inline __attribute__((always_inline)) CVK_ATTR int CVK_FN(any)(vl mask) {
    return __builtin_reduce_or(mask) != 0;
}

/// Lane-wise maximum; NaN in `b` is ignored.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(max)(vd a, vd b) {
    return CVK_FN(select)(b > a, b, a);
}

static inline __attribute__((always_inline)) CVK_ATTR double CVK_FN(hsum)(vd v) {
    return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

static inline __attribute__((always_inline)) CVK_ATTR double CVK_FN(hmax)(vd v) {
    double m = v[0];
    for (int l = 1; l < 8; l++) m = v[l] > m ? v[l] : m;
    return m;
}

/// `x` clamped to [lo, hi]; NaN lanes stay NaN.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(clamp)(vd x, double lo, double hi) {
    vd y = CVK_FN(select)(x < VD(lo), VD(lo), x);
    return CVK_FN(select)(x > VD(hi), VD(hi), y);
}

/// e^r − 1 for |r| ≤ ln 2 / 2.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(expm1_reduced)(vd r) {
    vd r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    vd p01 = CVK_FMA(r, VD(0.16666666666666685), VD(0.5000000000000013));
    vd p23 = CVK_FMA(r, VD(0.00833333333331633), VD(0.0416666666665119));
    vd p45 = CVK_FMA(r, VD(0.0001984126989789204), VD(0.0013888888947786178));
    vd p67 = CVK_FMA(r, VD(2.755723352968756e-06), VD(2.480148925221258e-05));
    vd p89 = CVK_FMA(r, VD(2.5112454311242147e-08), VD(2.76314984212987e-07));
    vd p03 = CVK_FMA(r2, p23, p01);
    vd p47 = CVK_FMA(r2, p67, p45);
    vd p07 = CVK_FMA(r4, p47, p03);
    vd q = CVK_FMA(r8, p89, p07);
    return CVK_FMA(r2, q, r);
}

/// Cody–Waite reduction: `*k` integer-valued, returns r = x − k ln 2.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(reduce)(vd x, vd *k) {
    vd t = CVK_FMA(x, VD(CVK_LOG2E), VD(CVK_SHIFTER));
    vd kk = t - VD(CVK_SHIFTER);
    vd r = CVK_FMA(kk, VD(-CVK_LN2HI), x);
    r = CVK_FMA(kk, VD(-CVK_LN2LO), r);
    *k = kk;
    return r;
}

/// 2^k (k integer-valued, |k| ≤ 1023) by moving k + 1023 into the exponent field.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(pow2)(vd k) {
    vu bits = (vu)(k + VD(CVK_SHIFTER + 1023.0));
    return (vd)(bits << 52);
}

/// 2^k for k in [−1080, 1030] as two normal factors 2^h · 2^(k − h), h = round(k / 2).
static inline __attribute__((always_inline)) CVK_ATTR void CVK_FN(scale_factors)(vd k, vd *s1, vd *s2) {
    vd h1 = (k * VD(0.5) + VD(CVK_SHIFTER)) - VD(CVK_SHIFTER);
    *s1 = CVK_FN(pow2)(h1);
    *s2 = CVK_FN(pow2)(k - h1);
}

static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(exp8)(vd x) {
    // Lanes that round to 0 anyway are computed from 0 and replaced at the end, so that no
    // multiply produces a subnormal unless the true result is subnormal (microcoded on x86).
    vd xc = CVK_FN(clamp)(x, -746.0, 710.0);
    xc = CVK_FN(select)(x < VD(CVK_MIN_ARGUMENT), VD(0.0), xc);
    vd k, s1, s2;
    vd r = CVK_FN(reduce)(xc, &k);
    CVK_FN(scale_factors)(k, &s1, &s2);
    vd y = (VD(1.0) + CVK_FN(expm1_reduced)(r)) * s1 * s2;
    y = CVK_FN(select)(x > VD(CVK_MAX_ARGUMENT), VD(__builtin_inf()), y);
    y = CVK_FN(select)(x < VD(CVK_MIN_ARGUMENT), VD(0.0), y);
    return CVK_FN(select)(x != x, x, y);
}

static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(exp8_flush)(vd x) {
    vd xc = CVK_FN(clamp)(x, CVK_MIN_NORMAL_ARGUMENT, 710.0);
    vd k, s1, s2;
    vd r = CVK_FN(reduce)(xc, &k);
    CVK_FN(scale_factors)(k, &s1, &s2);
    vd y = (VD(1.0) + CVK_FN(expm1_reduced)(r)) * s1 * s2;
    y = CVK_FN(select)(x > VD(CVK_MAX_ARGUMENT), VD(__builtin_inf()), y);
    y = CVK_FN(select)(x < VD(CVK_MIN_NORMAL_ARGUMENT), VD(0.0), y);
    return CVK_FN(select)(x != x, x, y);
}

/// e^z for z ≤ 0 with subnormal results flushed to 0 (positive z gives wrong results).
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(exp8_nonpositive)(vd z) {
    vl low = z < VD(CVK_MIN_NORMAL_ARGUMENT);
    vd zc = CVK_FN(select)(low, VD(CVK_MIN_NORMAL_ARGUMENT), z);
    vd k;
    vd r = CVK_FN(reduce)(zc, &k);
    vd y = (VD(1.0) + CVK_FN(expm1_reduced)(r)) * CVK_FN(pow2)(k);
    return CVK_FN(select)(low, VD(0.0), y);
}

static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(expm1_8)(vd x) {
    vd xc = CVK_FN(clamp)(x, -746.0, 710.0);
    vd k, s1, s2;
    vd r = CVK_FN(reduce)(xc, &k);
    CVK_FN(scale_factors)(k, &s1, &s2);
    vd s = s1 * s2;
    vd y = CVK_FMA(CVK_FN(expm1_reduced)(r), s, s - VD(1.0));
    y = CVK_FN(select)(x > VD(CVK_MAX_ARGUMENT), VD(__builtin_inf()), y);
    return CVK_FN(select)(x != x, x, y);
}

static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(log8)(vd x) {
    vl tiny = x < VD(2.2250738585072014e-308);
    vd xs = CVK_FN(select)(tiny, x * VD(0x1p52), x);
    vu bits = (vu)xs;
    vu field = bits >> 52;
    vd e = (vd)(field | (vu){0x4330000000000000ULL, 0x4330000000000000ULL, 0x4330000000000000ULL,
                              0x4330000000000000ULL, 0x4330000000000000ULL, 0x4330000000000000ULL,
                              0x4330000000000000ULL, 0x4330000000000000ULL})
           - VD(0x1p52 + 1023.0);
    e = CVK_FN(select)(tiny, e - VD(52.0), e);
    vu mantissa = (bits & (vu){0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL,
                               0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL,
                               0x000FFFFFFFFFFFFFULL, 0x000FFFFFFFFFFFFFULL})
                  | (vu){0x3FF0000000000000ULL, 0x3FF0000000000000ULL, 0x3FF0000000000000ULL,
                         0x3FF0000000000000ULL, 0x3FF0000000000000ULL, 0x3FF0000000000000ULL,
                         0x3FF0000000000000ULL, 0x3FF0000000000000ULL};
    vd m = (vd)mantissa;
    vl high = m > VD(1.4142135623730951);
    m = CVK_FN(select)(high, m * VD(0.5), m);
    e = CVK_FN(select)(high, e + VD(1.0), e);
    vd f = m - VD(1.0);
    vd s = f / (f + VD(2.0));
    vd z = s * s, z2 = z * z, z4 = z2 * z2;
    vd q01 = CVK_FMA(z, VD(0.19999999999493165), VD(0.3333333333333408));
    vd q23 = CVK_FMA(z, VD(0.11111095630092281), VD(0.14285714411583478));
    vd q45 = CVK_FMA(z, VD(0.07652978506534376), VD(0.09091954058230976));
    vd q03 = CVK_FMA(z2, q23, q01);
    vd q46 = CVK_FMA(z2, VD(0.07435696980094172), q45);
    vd q = CVK_FMA(z4, q46, q03);
    vd twoS = s + s;
    vd log1p = CVK_FMA(twoS * z, q, twoS);
    vd y = CVK_FMA(e, VD(CVK_LN2HI), CVK_FMA(e, VD(CVK_LN2LO), log1p));
    y = CVK_FN(select)(x == VD(0.0), VD(-__builtin_inf()), y);
    y = CVK_FN(select)(x == VD(__builtin_inf()), VD(__builtin_inf()), y);
    y = CVK_FN(select)(x < VD(0.0), VD(__builtin_nan("")), y);
    return CVK_FN(select)(x != x, x, y);
}

// Elementwise maps: whole vectors, then the tail through a zero-padded vector.
#define CVK_MAP(name, kernel)                                                               \
    static CVK_ATTR void CVK_FN(name)(const double *x, double *y, ptrdiff_t n) {            \
        ptrdiff_t i = 0;                                                                    \
        for (; i + 8 <= n; i += 8) CVK_FN(store)(y + i, kernel(CVK_FN(load)(x + i)));       \
        if (i < n) {                                                                        \
            double tail[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                      \
            for (ptrdiff_t l = 0; l < n - i; l++) tail[l] = x[i + l];                       \
            vd v = kernel(CVK_FN(load)(tail));                                              \
            for (ptrdiff_t l = 0; l < n - i; l++) y[i + l] = v[l];                          \
        }                                                                                   \
    }

CVK_MAP(exp, CVK_FN(exp8))
CVK_MAP(exp_flush, CVK_FN(exp8_flush))
CVK_MAP(expm1, CVK_FN(expm1_8))
CVK_MAP(log, CVK_FN(log8))

/// exp(z) for z ≤ 0, or 0 without evaluating when every lane is negligible.
static inline __attribute__((always_inline)) CVK_ATTR vd CVK_FN(exp_if_relevant)(vd z) {
    return CVK_FN(any)(z > VD(CVK_NEGLIGIBLE)) ? CVK_FN(exp8_nonpositive)(z) : VD(0.0);
}

/// bmax[k] = max(bmax[k], scale · col_t[k] + b_t) over four adjacent columns.
static CVK_ATTR void CVK_FN(max_update4)(const double *col, ptrdiff_t lda, ptrdiff_t len, double scale,
                                         const double b[4], double *bmax) {
    const vd s = VD(scale);
    const vd b0 = VD(b[0]), b1 = VD(b[1]), b2 = VD(b[2]), b3 = VD(b[3]);
    const double *c0 = col, *c1 = col + lda, *c2 = col + 2 * lda, *c3 = col + 3 * lda;
    ptrdiff_t k = 0;
    for (; k + 8 <= len; k += 8) {
        vd m01 = CVK_FN(max)(CVK_FMA(s, CVK_FN(load)(c0 + k), b0), CVK_FMA(s, CVK_FN(load)(c1 + k), b1));
        vd m23 = CVK_FN(max)(CVK_FMA(s, CVK_FN(load)(c2 + k), b2), CVK_FMA(s, CVK_FN(load)(c3 + k), b3));
        CVK_FN(store)(bmax + k, CVK_FN(max)(CVK_FN(load)(bmax + k), CVK_FN(max)(m01, m23)));
    }
    for (int t = 0; t < 4; t++) {
        for (ptrdiff_t q = k; q < len; q++) {
            double v = scale * col[t * lda + q] + b[t];
            bmax[q] = v > bmax[q] ? v : bmax[q];
        }
    }
}

static CVK_ATTR void CVK_FN(max_update)(const double *col, ptrdiff_t len, double scale, double b, double *bmax) {
    const vd s = VD(scale), bv = VD(b);
    ptrdiff_t k = 0;
    for (; k + 8 <= len; k += 8)
        CVK_FN(store)(bmax + k, CVK_FN(max)(CVK_FN(load)(bmax + k), CVK_FMA(s, CVK_FN(load)(col + k), bv)));
    for (; k < len; k++) {
        double v = scale * col[k] + b;
        bmax[k] = v > bmax[k] ? v : bmax[k];
    }
}

/// sum[k] += exp(scale · col_t[k] + b_t − ref[k]) over four adjacent columns.
static CVK_ATTR void CVK_FN(accumulate4)(const double *col, ptrdiff_t lda, ptrdiff_t len, double scale,
                                         const double b[4], const double *ref, double *sum) {
    const vd s = VD(scale);
    const vd b0 = VD(b[0]), b1 = VD(b[1]), b2 = VD(b[2]), b3 = VD(b[3]);
    const double *c0 = col, *c1 = col + lda, *c2 = col + 2 * lda, *c3 = col + 3 * lda;
    ptrdiff_t k = 0;
    for (; k + 8 <= len; k += 8) {
        vd m = CVK_FN(load)(ref + k);
        vd z0 = CVK_FMA(s, CVK_FN(load)(c0 + k), b0) - m;
        vd z1 = CVK_FMA(s, CVK_FN(load)(c1 + k), b1) - m;
        vd z2 = CVK_FMA(s, CVK_FN(load)(c2 + k), b2) - m;
        vd z3 = CVK_FMA(s, CVK_FN(load)(c3 + k), b3) - m;
        vd top = CVK_FN(max)(CVK_FN(max)(z0, z1), CVK_FN(max)(z2, z3));
        if (CVK_FN(any)(top > VD(CVK_NEGLIGIBLE))) {
            vd acc = CVK_FN(load)(sum + k);
            acc += CVK_FN(exp_if_relevant)(z0) + CVK_FN(exp_if_relevant)(z1);
            acc += CVK_FN(exp_if_relevant)(z2) + CVK_FN(exp_if_relevant)(z3);
            CVK_FN(store)(sum + k, acc);
        }
    }
    for (int t = 0; t < 4; t++) {
        for (ptrdiff_t q = k; q < len; q++) sum[q] += exp(scale * col[t * lda + q] + b[t] - ref[q]);
    }
}

static CVK_ATTR void CVK_FN(accumulate)(const double *col, ptrdiff_t len, double scale, double b,
                                        const double *ref, double *sum) {
    const vd s = VD(scale), bv = VD(b);
    ptrdiff_t k = 0;
    for (; k + 8 <= len; k += 8) {
        vd z = CVK_FMA(s, CVK_FN(load)(col + k), bv) - CVK_FN(load)(ref + k);
        if (CVK_FN(any)(z > VD(CVK_NEGLIGIBLE)))
            CVK_FN(store)(sum + k, CVK_FN(load)(sum + k) + CVK_FN(exp8_nonpositive)(z));
    }
    for (; k < len; k++) sum[k] += exp(scale * col[k] + b - ref[k]);
}

/// Moves the running maxima to max(run_max, block_max) and rescales the running sums.
static CVK_ATTR void CVK_FN(rescale)(double *run_max, const double *block_max, double *run_sum, ptrdiff_t padded) {
    for (ptrdiff_t k = 0; k < padded; k += 8) {
        vd old = CVK_FN(load)(run_max + k);
        vd now = CVK_FN(max)(old, CVK_FN(load)(block_max + k));
        // All-(−∞) rows keep a harmless finite reference so that no (−∞) − (−∞) occurs.
        now = CVK_FN(select)(now == VD(-__builtin_inf()), VD(0.0), now);
        vd factor = CVK_FN(exp8_flush)(old - now);
        CVK_FN(store)(run_sum + k, CVK_FN(load)(run_sum + k) * factor);
        CVK_FN(store)(run_max + k, now);
    }
}

static inline __attribute__((always_inline)) void CVK_FN(offsets4)(const double *offsets, ptrdiff_t j, double b[4]) {
    for (int t = 0; t < 4; t++) b[t] = offsets ? offsets[j + t] : 0.0;
}

static CVK_ATTR void CVK_FN(lse_rows)(const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                                      const double *offsets, ptrdiff_t lo, ptrdiff_t hi,
                                      double *scratch, double *out) {
    ptrdiff_t len = hi - lo;
    ptrdiff_t padded = (len + 7) & ~(ptrdiff_t)7;
    double *run_max = scratch, *run_sum = scratch + padded, *block_max = scratch + 2 * padded;
    for (ptrdiff_t k = 0; k < padded; k++) {
        run_max[k] = -__builtin_inf();
        run_sum[k] = 0;
    }
    ptrdiff_t block = 131072 / (len > 1 ? len : 1);
    block = block < 4 ? 4 : (block > 128 ? 128 : block);
    double b[4];
    for (ptrdiff_t j0 = 0; j0 < m; j0 += block) {
        ptrdiff_t j1 = j0 + block < m ? j0 + block : m;
        for (ptrdiff_t k = 0; k < padded; k++) block_max[k] = -__builtin_inf();
        ptrdiff_t j = j0;
        for (; j + 4 <= j1; j += 4) {
            CVK_FN(offsets4)(offsets, j, b);
            CVK_FN(max_update4)(matrix + j * lda + lo, lda, len, scale, b, block_max);
        }
        for (; j < j1; j++)
            CVK_FN(max_update)(matrix + j * lda + lo, len, scale, offsets ? offsets[j] : 0.0, block_max);
        CVK_FN(rescale)(run_max, block_max, run_sum, padded);
        for (j = j0; j + 4 <= j1; j += 4) {
            CVK_FN(offsets4)(offsets, j, b);
            CVK_FN(accumulate4)(matrix + j * lda + lo, lda, len, scale, b, run_max, run_sum);
        }
        for (; j < j1; j++)
            CVK_FN(accumulate)(matrix + j * lda + lo, len, scale, offsets ? offsets[j] : 0.0, run_max, run_sum);
    }
    for (ptrdiff_t k = 0; k < len; k++) {
        double mx = run_max[k];
        if (mx == __builtin_inf()) out[lo + k] = mx;
        else out[lo + k] = run_sum[k] == 0 ? -__builtin_inf() : mx + log(run_sum[k]);
    }
}

static CVK_ATTR void CVK_FN(lse_rows_reference_sums)(const double *matrix, ptrdiff_t lda, ptrdiff_t m, double scale,
                                                     const double *offsets, ptrdiff_t lo, ptrdiff_t hi,
                                                     const double *reference, double *sums) {
    ptrdiff_t len = hi - lo;
    double b[4];
    ptrdiff_t j = 0;
    for (; j + 4 <= m; j += 4) {
        CVK_FN(offsets4)(offsets, j, b);
        CVK_FN(accumulate4)(matrix + j * lda + lo, lda, len, scale, b, reference, sums);
    }
    for (; j < m; j++)
        CVK_FN(accumulate)(matrix + j * lda + lo, len, scale, offsets ? offsets[j] : 0.0, reference, sums);
}

static CVK_ATTR double CVK_FN(column_max)(const double *c, ptrdiff_t n, double scale, const double *a) {
    const vd s = VD(scale);
    vd vmax = VD(-__builtin_inf());
    ptrdiff_t i = 0;
    if (a) {
        for (; i + 8 <= n; i += 8) vmax = CVK_FN(max)(vmax, CVK_FMA(s, CVK_FN(load)(c + i), CVK_FN(load)(a + i)));
    } else {
        for (; i + 8 <= n; i += 8) vmax = CVK_FN(max)(vmax, s * CVK_FN(load)(c + i));
    }
    double mx = CVK_FN(hmax)(vmax);
    for (; i < n; i++) {
        double v = scale * c[i] + (a ? a[i] : 0.0);
        mx = v > mx ? v : mx;
    }
    return mx;
}

static CVK_ATTR double CVK_FN(column_sum_exp)(const double *c, ptrdiff_t n, double scale, const double *a, double mx) {
    const vd s = VD(scale), shift = VD(-mx);
    vd acc = VD(0.0);
    ptrdiff_t i = 0;
    if (a) {
        for (; i + 8 <= n; i += 8) {
            vd z = CVK_FMA(s, CVK_FN(load)(c + i), CVK_FN(load)(a + i)) + shift;
            if (CVK_FN(any)(z > VD(CVK_NEGLIGIBLE))) acc += CVK_FN(exp8_nonpositive)(z);
        }
    } else {
        for (; i + 8 <= n; i += 8) {
            vd z = CVK_FMA(s, CVK_FN(load)(c + i), shift);
            if (CVK_FN(any)(z > VD(CVK_NEGLIGIBLE))) acc += CVK_FN(exp8_nonpositive)(z);
        }
    }
    double sum = CVK_FN(hsum)(acc);
    for (; i < n; i++) sum += exp(scale * c[i] + (a ? a[i] : 0.0) - mx);
    return sum;
}

static CVK_ATTR double CVK_FN(plan_column)(const double *c, ptrdiff_t n, double neg_eta, const double *ax,
                                           double by_j, double *out, double *row_acc) {
    const vd s = VD(neg_eta), b = VD(by_j);
    vd total = VD(0.0);
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        vd v = CVK_FMA(s, CVK_FN(load)(c + i), CVK_FN(load)(ax + i) + b);
        vd p = VD(0.0);
        if (CVK_FN(any)(v > VD(CVK_MIN_NORMAL_ARGUMENT))) p = CVK_FN(exp8_flush)(v);
        CVK_FN(store)(out + i, p);
        CVK_FN(store)(row_acc + i, CVK_FN(load)(row_acc + i) + p);
        total += p;
    }
    double sum = CVK_FN(hsum)(total);
    for (; i < n; i++) {
        double v = ax[i] + by_j + neg_eta * c[i];
        double p = v < CVK_MIN_NORMAL_ARGUMENT ? 0.0 : exp(v);
        out[i] = p;
        row_acc[i] += p;
        sum += p;
    }
    return sum;
}

static CVK_ATTR void CVK_FN(scaled_column)(const double *p, ptrdiff_t n, const double *wx, double wy_j,
                                           double *out, double *row_acc, double sums[3]) {
    const vd wy = VD(wy_j);
    vd d_sum = VD(0.0), d_abs = VD(0.0), col_sum = VD(0.0);
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        vd pv = CVK_FN(load)(p + i);
        vd next = pv;
        if (CVK_FN(any)(pv > VD(0.0))) {
            vd d = pv * CVK_FN(expm1_8)(CVK_FN(load)(wx + i) + wy);
            next = pv + d;
            d_sum += d;
            d_abs += CVK_FN(select)(d < VD(0.0), -d, d);
        }
        CVK_FN(store)(out + i, next);
        CVK_FN(store)(row_acc + i, CVK_FN(load)(row_acc + i) + next);
        col_sum += next;
    }
    double ds = CVK_FN(hsum)(d_sum), da = CVK_FN(hsum)(d_abs), cs = CVK_FN(hsum)(col_sum);
    for (; i < n; i++) {
        double d = p[i] == 0 ? 0.0 : p[i] * expm1(wx[i] + wy_j);
        out[i] = p[i] + d;
        row_acc[i] += out[i];
        ds += d;
        da += d < 0 ? -d : d;
        cs += out[i];
    }
    sums[0] = ds;
    sums[1] = da;
    sums[2] = cs;
}

#undef VD
#undef CVK_MAP
