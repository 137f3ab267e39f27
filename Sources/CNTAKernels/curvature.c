// The penalised EM's curvature: Σ_r w_r ρ_r ρ_rᵀ over a chunk of likelihood rows (see nta_kernels.h).
//
// One body, compiled for AVX2 (chosen at run time, as the E-step is) and portably. The inner loop
// updates independent elements (no reduction), each with one multiply and one add, without
// contraction into fused multiply-adds: both paths give the same bits.

#include "nta_kernels.h"

#pragma clang fp contract(off)

static inline __attribute__((always_inline)) void outer_body(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs, int64_t blocks,
    int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible, double *outer, double *counts, double *scratch) {
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
        for (int64_t i = lo; i < hi; i++) counts[i] += w * scratch[i];
        // The rank-one update over the nodes from the first to the last whose ρ reaches `negligible`.
        int64_t first = lo, last = hi;
        while (first < hi && !(scratch[first] >= negligible)) first++;
        while (last > first && !(scratch[last - 1] >= negligible)) last--;
        for (int64_t i = first; i < last; i++) {
            const double t = w * scratch[i];
            double *line = outer + i * nodes;
            for (int64_t k = i; k < last; k++) line[k] += t * scratch[k];
        }
    }
}

/// See nta_weighted_outer_upper: tiles of 16 rows, each element of the triangle loaded once per tile and
/// its 16 terms added in row order (the order of a row-by-row rank-one update). Two lines of the triangle at a
/// time (i and i + 1 share each load of the tile's rows), each element's sum still its own chain in row order.
typedef double v4d __attribute__((vector_size(32), aligned(8)));

static inline __attribute__((always_inline)) void weighted_outer_body(const double *g, const double *w, int64_t rows,
                                                                      int64_t a, double *acc) {
    enum { tile = 16 };
    double t0[tile], t1[tile];
    for (int64_t r0 = 0; r0 < rows; r0 += tile) {
        const int64_t n = rows - r0 < tile ? rows - r0 : tile;
        const double *gt = g + r0 * a;
        int64_t i = 0;
        for (; i + 1 < a; i += 2) {
            for (int64_t r = 0; r < n; r++) {
                t0[r] = w[r0 + r] * gt[r * a + i];
                t1[r] = w[r0 + r] * gt[r * a + i + 1];
            }
            double *line0 = acc + i * a, *line1 = acc + (i + 1) * a;
            // Line i's diagonal element; then both lines from i + 1 on.
            double d = line0[i];
            for (int64_t r = 0; r < n; r++) d += t0[r] * gt[r * a + i];
            line0[i] = d;
            int64_t j = i + 1;
            for (; j + 4 <= a; j += 4) {
                v4d s0 = *(const v4d *)(line0 + j), s1 = *(const v4d *)(line1 + j);
                for (int64_t r = 0; r < n; r++) {
                    const v4d x = *(const v4d *)(gt + r * a + j);
                    const v4d u0 = {t0[r], t0[r], t0[r], t0[r]}, u1 = {t1[r], t1[r], t1[r], t1[r]};
                    s0 += u0 * x;
                    s1 += u1 * x;
                }
                *(v4d *)(line0 + j) = s0;
                *(v4d *)(line1 + j) = s1;
            }
            for (; j < a; j++) {
                double s0 = line0[j], s1 = line1[j];
                for (int64_t r = 0; r < n; r++) {
                    s0 += t0[r] * gt[r * a + j];
                    s1 += t1[r] * gt[r * a + j];
                }
                line0[j] = s0;
                line1[j] = s1;
            }
        }
        if (i < a) {
            // The last line of an odd size: its diagonal element alone.
            double s = acc[i * a + i];
            for (int64_t r = 0; r < n; r++) s += (w[r0 + r] * gt[r * a + i]) * gt[r * a + i];
            acc[i * a + i] = s;
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
    int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible, double *outer, double *counts, double *scratch) {
    outer_body(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, negligible, outer, counts, scratch);
}
#endif

void nta_outer_rows_portable(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                             int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible,
                             double *outer, double *counts, double *scratch) {
    outer_body(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, negligible, outer, counts, scratch);
}

void nta_outer_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                    int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible, double *outer,
                    double *counts, double *scratch) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        outer_avx2(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, negligible, outer, counts, scratch);
        return;
    }
#endif
    nta_outer_rows_portable(values, bands, offsets, weights, probs, blocks, nodes, rowBegin, rowEnd, negligible, outer, counts,
                            scratch);
}
