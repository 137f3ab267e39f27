// The penalised EM's curvature: Σ_r w_r ρ_r ρ_rᵀ over a chunk of likelihood rows (see nta_kernels.h).
//
// One body, compiled for AVX2 (chosen at run time, as the E-step is) and portably. The inner loop
// updates independent elements (no reduction), each with one multiply and one add, without
// contraction into fused multiply-adds: both paths give the same bits.

#include "nta_kernels.h"

#pragma clang fp contract(off)

static inline __attribute__((always_inline)) void outer_body(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs, int64_t blocks,
    int64_t nodes, int64_t rowBegin, int64_t rowEnd, double *outer, double *counts, double *scratch) {
    for (int64_t r = rowBegin; r < rowEnd; r++) {
        const double w = weights[r];
        if (!(w > 0)) continue;
        int64_t lo = 8 * (int64_t)bands[2 * r], hi = 8 * (int64_t)bands[2 * r + 1];
        if (hi > nodes) hi = nodes;
        if (lo >= hi) continue;
        // Node i of the row (lo ≤ i < hi) is row[i − lo]: the band's blocks are stored contiguously.
        const float *row = values + 8 * offsets[r];
        double s = 0;
        for (int64_t i = lo; i < hi; i++) {
            scratch[i] = (double)row[i - lo] * probs[i];
            s += scratch[i];
        }
        if (!(s > 0)) continue;
        for (int64_t i = lo; i < hi; i++) scratch[i] /= s;
        for (int64_t i = lo; i < hi; i++) {
            const double t = w * scratch[i];
            counts[i] += t;
            double *line = outer + i * nodes;
            for (int64_t k = i; k < hi; k++) line[k] += t * scratch[k];
        }
    }
}

/// See nta_weighted_outer_upper: tiles of 16 rows, each element of the triangle loaded once per tile and
/// its 16 terms added in row order (the order of a row-by-row rank-one update).
typedef double v4d __attribute__((vector_size(32), aligned(8)));

static inline __attribute__((always_inline)) void weighted_outer_body(const double *g, const double *w, int64_t rows,
                                                                      int64_t a, double *acc) {
    enum { tile = 16 };
    double t[tile];
    for (int64_t r0 = 0; r0 < rows; r0 += tile) {
        const int64_t n = rows - r0 < tile ? rows - r0 : tile;
        const double *gt = g + r0 * a;
        for (int64_t i = 0; i < a; i++) {
            for (int64_t r = 0; r < n; r++) t[r] = w[r0 + r] * gt[r * a + i];
            double *line = acc + i * a;
            int64_t j = i;
            for (; j + 4 <= a; j += 4) {
                v4d s = *(const v4d *)(line + j);
                for (int64_t r = 0; r < n; r++) {
                    const v4d tr = {t[r], t[r], t[r], t[r]};
                    s += tr * *(const v4d *)(gt + r * a + j);
                }
                *(v4d *)(line + j) = s;
            }
            for (; j < a; j++) {
                double s = line[j];
                for (int64_t r = 0; r < n; r++) s += t[r] * gt[r * a + j];
                line[j] = s;
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void weighted_outer_avx2(const double *g, const double *w, int64_t rows, int64_t a,
                                                                double *acc) {
    weighted_outer_body(g, w, rows, a, acc);
}
#endif

void nta_weighted_outer_upper_portable(const double *g, const double *w, int64_t rows, int64_t a, double *acc) {
    weighted_outer_body(g, w, rows, a, acc);
}

void nta_weighted_outer_upper(const double *g, const double *w, int64_t rows, int64_t a, double *acc) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        weighted_outer_avx2(g, w, rows, a, acc);
        return;
    }
#endif
    nta_weighted_outer_upper_portable(g, w, rows, a, acc);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void outer_avx2(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs, int64_t blocks,
    int64_t nodes, int64_t rowBegin, int64_t rowEnd, double *outer, double *counts, double *scratch) {
    outer_body(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, outer, counts, scratch);
}
#endif

void nta_outer_rows_portable(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                             int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double *outer,
                             double *counts, double *scratch) {
    outer_body(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, outer, counts, scratch);
}

void nta_outer_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                    int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double *outer, double *counts,
                    double *scratch) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        outer_avx2(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, outer, counts, scratch);
        return;
    }
#endif
    nta_outer_rows_portable(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, outer, counts, scratch);
}
