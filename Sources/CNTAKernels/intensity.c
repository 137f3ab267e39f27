// The mean inverse intensity's two passes (see nta_kernels.h).
//
// A scalar body (the portable path) and an AVX2 one in intrinsics, four lanes at a time (chosen at run time).
// Every quantum count is a whole number at most the cap 2³² + 1, rounded down from the same (1/I)·q + 1/2 as
// the scalar rule (no fused multiply-add); counts are added in doubles, exactly, for at most 2²⁰ values at a
// time (their sum stays below 2⁵³), then as integers: the sum is the scalar rule's whatever the vector width
// or the order.

#include "nta_kernels.h"
#include <math.h>

#pragma clang fp contract(off)

/// The largest count one intensity may add: 2³² + 1 quanta (VideoNuisance.meanInverseIntensity's cap).
static const double quanta_cap = 4294967297.0;

/// Whether `v` is a usable intensity: finite and positive.
static inline __attribute__((always_inline)) int usable(double v) { return v > 0 && v < INFINITY; }

static inline __attribute__((always_inline)) void smallest_body(const double *values, int64_t n, double *smallest,
                                                                 int64_t *count) {
    double low = INFINITY;
    int64_t used = 0;
    for (int64_t i = 0; i < n; i++) {
        const double v = values[i];
        const int ok = usable(v);
        const double candidate = ok ? v : INFINITY;
        low = candidate < low ? candidate : low;
        used += ok;
    }
    *smallest = low;
    *count = used;
}

static inline __attribute__((always_inline)) int64_t quanta_body(const double *values, int64_t n,
                                                                  double perQuantum) {
    enum { block = 1 << 20 };
    int64_t total = 0;
    for (int64_t start = 0; start < n; start += block) {
        const int64_t end = n - start < block ? n : start + block;
        double sum = 0;
        for (int64_t i = start; i < end; i++) {
            const double v = values[i];
            double q = (1 / v) * perQuantum + 0.5;
            q = q < quanta_cap ? q : quanta_cap;
            sum += usable(v) ? floor(q) : 0;
        }
        total += (int64_t)sum;
    }
    return total;
}

#if defined(__x86_64__)
#include <immintrin.h>

/// Four lanes at a time: the smallest is exact in any order; the count is an integer.
__attribute__((target("avx2"))) static void smallest_avx2(const double *values, int64_t n, double *smallest,
                                                          int64_t *count) {
    const __m256d zero = _mm256_setzero_pd(), infinity = _mm256_set1_pd(INFINITY);
    __m256d low = infinity;
    __m256i used = _mm256_setzero_si256();
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v = _mm256_loadu_pd(values + i);
        const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(v, zero, _CMP_GT_OQ), _mm256_cmp_pd(v, infinity, _CMP_LT_OQ));
        low = _mm256_min_pd(low, _mm256_blendv_pd(infinity, v, ok));
        used = _mm256_sub_epi64(used, _mm256_castpd_si256(ok));
    }
    double lanes[4];
    int64_t counts[4];
    _mm256_storeu_pd(lanes, low);
    _mm256_storeu_si256((__m256i *)counts, used);
    double rest;
    int64_t restCount;
    smallest_body(values + i, n - i, &rest, &restCount);
    double result = rest;
    for (int k = 0; k < 4; k++) result = lanes[k] < result ? lanes[k] : result;
    *smallest = result;
    *count = restCount + counts[0] + counts[1] + counts[2] + counts[3];
}

/// Four lanes at a time, each lane's counts added in a double of its own (exact: see the file's header).
__attribute__((target("avx2"))) static int64_t quanta_avx2(const double *values, int64_t n, double perQuantum) {
    enum { block = 1 << 20 };
    const __m256d zero = _mm256_setzero_pd(), infinity = _mm256_set1_pd(INFINITY), one = _mm256_set1_pd(1);
    const __m256d half = _mm256_set1_pd(0.5), cap = _mm256_set1_pd(quanta_cap), q = _mm256_set1_pd(perQuantum);
    int64_t total = 0, i = 0;
    while (i + 4 <= n) {
        const int64_t end = n - i < block ? i + (n - i) / 4 * 4 : i + block;
        __m256d sum = zero;
        for (; i < end; i += 4) {
            const __m256d v = _mm256_loadu_pd(values + i);
            const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(v, zero, _CMP_GT_OQ), _mm256_cmp_pd(v, infinity, _CMP_LT_OQ));
            __m256d x = _mm256_add_pd(_mm256_mul_pd(_mm256_div_pd(one, v), q), half);
            x = _mm256_blendv_pd(cap, x, _mm256_cmp_pd(x, cap, _CMP_LT_OQ));
            sum = _mm256_add_pd(sum, _mm256_and_pd(_mm256_floor_pd(x), ok));
        }
        double lanes[4];
        _mm256_storeu_pd(lanes, sum);
        total += (int64_t)lanes[0] + (int64_t)lanes[1] + (int64_t)lanes[2] + (int64_t)lanes[3];
    }
    return total + quanta_body(values + i, n - i, perQuantum);
}
#endif

void nta_smallest_positive_portable(const double *values, int64_t n, double *smallest, int64_t *count) {
    smallest_body(values, n, smallest, count);
}

void nta_smallest_positive(const double *values, int64_t n, double *smallest, int64_t *count) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        smallest_avx2(values, n, smallest, count);
        return;
    }
#endif
    smallest_body(values, n, smallest, count);
}

int64_t nta_inverse_quanta_portable(const double *values, int64_t n, double perQuantum) {
    return quanta_body(values, n, perQuantum);
}

int64_t nta_inverse_quanta(const double *values, int64_t n, double perQuantum) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) return quanta_avx2(values, n, perQuantum);
#endif
    return quanta_body(values, n, perQuantum);
}
