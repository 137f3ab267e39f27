// The penalised EM's E-step over a chunk of likelihood rows (see nta_kernels.h).
//
// One body, compiled twice: for AVX2 (256-bit vectors; chosen at run time when the CPU and the OS
// support it) and portably. Both use GCC/Clang vector extensions of 8 floats with the same
// operations in the same order and no contraction into fused multiply-adds, so both give the same
// bits.

#include "nta_kernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)

typedef float v8f __attribute__((vector_size(32), aligned(4)));

// Subnormals flushed to zero for the call (DAZ | FTZ, bits 6 and 15 of MXCSR), the caller's mode restored
// after (see nta_kernels.h). Other architectures keep their own mode (their vector units take subnormals
// without assists).
#if defined(__x86_64__)
#include <xmmintrin.h>
#define FLUSH_SUBNORMALS_BEGIN const unsigned int savedCSR = _mm_getcsr(); _mm_setcsr(savedCSR | 0x8040u);
#define FLUSH_SUBNORMALS_END _mm_setcsr(savedCSR);
#else
#define FLUSH_SUBNORMALS_BEGIN
#define FLUSH_SUBNORMALS_END
#endif

/// (s0+s4 + s2+s6) + (s1+s5 + s3+s7): the order of a 256→128→64→32-bit reduction.
static inline __attribute__((always_inline)) float horizontal_sum(const v8f *v) {
    const v8f s = *v;
    float t0 = s[0] + s[4], t1 = s[1] + s[5], t2 = s[2] + s[6], t3 = s[3] + s[7];
    float u0 = t0 + t2, u1 = t1 + t3;
    return u0 + u1;
}

/// Adds member k's Float accumulators over blocks [lo, hi) to its Doubles in `out` and clears them
/// (blocks outside the range hold zeros, whose addition would change nothing).
static inline __attribute__((always_inline)) void flush(double *o, v8f *ak, v8f *fk, int64_t width, int64_t lo,
                                                         int64_t hi, int withFrames) {
    for (int64_t i = 8 * lo; i < 8 * hi; i++) o[i] += (double)ak[i / 8][i % 8];
    if (withFrames)
        for (int64_t i = 8 * lo; i < 8 * hi; i++) o[width + i] += (double)fk[i / 8][i % 8];
    if (hi > lo) {
        memset(ak + lo, 0, (size_t)(hi - lo) * sizeof(v8f));
        if (withFrames) memset(fk + lo, 0, (size_t)(hi - lo) * sizeof(v8f));
    }
}

/// Whether member k accumulates frames (`framesMembers` NULL: every member, when frames are given).
static inline __attribute__((always_inline)) int wantsFrames(const uint8_t *framesMembers, int64_t k) {
    return !framesMembers || framesMembers[k];
}

/// A chunk's running sums: per member, Float accumulators (counts, then frames), Σ w·(scale + ln s) over its
/// rows, the rows since the last flush and the blocks touched since.
typedef struct {
    v8f *acc, *accF;
    double *ll;
    int64_t *pending, *touchedLo, *touchedHi;
    const double *scales, *weights, *frames;
    const uint8_t *framesMembers;
    double *out;
    int64_t blocks, width, batch, stride;
} estep_state;

/// Row r's part for member k, whose dot product L_r · p_k is `*dot` and whose weight and frames of the row are
/// `wr` and `fr` (read once, by the caller): its log-likelihood terms, then w/s·L_r (and f/s·L_r) added to the
/// member's accumulators, flushed every 256 rows the member uses.
static inline __attribute__((always_inline)) void finish_row(estep_state *st, int64_t r, int64_t k, const v8f *dot,
                                                              const v8f *row, int64_t lo, int64_t hi, double wr,
                                                              double fr) {
    const int64_t blocks = st->blocks;
    const int memberFrames = st->frames && wantsFrames(st->framesMembers, k);
    const double total = (double)horizontal_sum(dot);
    if (!(total > 0)) {
        if (wr > 0) st->ll[k] += wr * (-1e4);
        return;
    }
    // One logarithm per row the member uses: cheaper than folding s^w into a running product, whose whole w above 4
    // (rows pooling many tracks) took repeated multiplication or exp and log (BENCHMARKS.md).
    st->ll[k] += wr * (st->scales[r] + log(total));
    const float scale = (float)(wr / total);
    v8f *ak = st->acc + k * blocks;
    if (memberFrames) {
        const float fs = (float)(fr / total);
        v8f *fk = st->accF + k * blocks;
        for (int64_t b = lo; b < hi; b++) {
            ak[b] += scale * row[b - lo];
            fk[b] += fs * row[b - lo];
        }
    } else {
        for (int64_t b = lo; b < hi; b++) ak[b] += scale * row[b - lo];
    }
    if (lo < st->touchedLo[k]) st->touchedLo[k] = lo;
    if (hi > st->touchedHi[k]) st->touchedHi[k] = hi;
    if (++st->pending[k] == 256) {
        flush(st->out + k * st->stride, ak, st->accF + k * blocks, st->width, st->touchedLo[k], st->touchedHi[k],
              memberFrames);
        st->pending[k] = 0;
        st->touchedLo[k] = blocks;
        st->touchedHi[k] = 0;
    }
}

/// A single fit's E-step (one member, k), two neighbouring rows at a time: their dot products' chains (each
/// one chain over its row's blocks in order, as in the batch's groups) interleaved up to the shorter row, so
/// that one waits less on each addition; then each row the member uses finished, in order (a row it does not
/// use costs its dot product, not a mispredicted search for the next one).
static inline __attribute__((always_inline)) void one_member_rows(estep_state *st, const v8f *rows, const v8f *p,
                                                                   const int32_t *bands, const int64_t *offsets,
                                                                   int64_t k, int64_t rowBegin, int64_t rowEnd) {
    const v8f *q = p + k * st->blocks;
    const double *w = st->weights, *f = st->frames;
    const int64_t batch = st->batch;
    const int withFrames = f && wantsFrames(st->framesMembers, k);
    // The member's weight and frames of row r (frames 0 when not wanted).
#define WEIGHT(r) (w[nta_row_entry(r, k, batch)])
#define FRAMES(r) (withFrames ? f[nta_row_entry(r, k, batch)] : 0.0)
    int64_t r = rowBegin;
    for (; r + 1 < rowEnd; r += 2) {
        const int64_t lo0 = bands[2 * r], hi0 = bands[2 * r + 1], n0 = hi0 - lo0;
        const int64_t lo1 = bands[2 * r + 2], hi1 = bands[2 * r + 3], n1 = hi1 - lo1;
        const v8f *x0 = rows + offsets[r], *q0 = q + lo0;
        const v8f *x1 = rows + offsets[r + 1], *q1 = q + lo1;
        const int64_t n = n0 < n1 ? n0 : n1;
        v8f a0 = {0}, a1 = {0};
        int64_t b = 0;
        for (; b < n; b++) { a0 += x0[b] * q0[b]; a1 += x1[b] * q1[b]; }
        for (int64_t c = b; c < n0; c++) a0 += x0[c] * q0[c];
        for (int64_t c = b; c < n1; c++) a1 += x1[c] * q1[c];
        const double w0 = WEIGHT(r), f0 = FRAMES(r), w1 = WEIGHT(r + 1), f1 = FRAMES(r + 1);
        if ((w0 != 0) | (f0 != 0)) finish_row(st, r, k, &a0, x0, lo0, hi0, w0, f0);
        if ((w1 != 0) | (f1 != 0)) finish_row(st, r + 1, k, &a1, x1, lo1, hi1, w1, f1);
    }
    if (r < rowEnd) {
        const double w0 = WEIGHT(r), f0 = FRAMES(r);
        if ((w0 != 0) | (f0 != 0)) {
            const int64_t lo0 = bands[2 * r], hi0 = bands[2 * r + 1];
            const v8f *x0 = rows + offsets[r], *q0 = q + lo0;
            v8f a0 = {0};
            for (int64_t b = 0; b < hi0 - lo0; b++) a0 += x0[b] * q0[b];
            finish_row(st, r, k, &a0, x0, lo0, hi0, w0, f0);
        }
    }
#undef WEIGHT
#undef FRAMES
}

static inline __attribute__((always_inline)) void estep_body(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *scales, const double *weights,
    const double *frames, const uint8_t *framesMembers, const float *probs, int64_t blocks, int64_t batch, const int32_t *members,
    int64_t memberCount, int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride) {
    const int64_t width = 8 * blocks;
    // The accumulators from a 64-byte boundary (calloc's 16 would split every second block across two cache lines).
    const size_t accBytes = ((size_t)(2 * batch * blocks) * sizeof(v8f) + 63) / 64 * 64;
    v8f *acc = aligned_alloc(64, accBytes > 0 ? accBytes : 64);
    if (acc) memset(acc, 0, accBytes);
    double *ll = calloc((size_t)batch, sizeof(double));
    // Per member: the rows since its last flush, and the blocks it touched since.
    int64_t *counters = calloc((size_t)(3 * batch), sizeof(int64_t));
    int64_t *active = calloc((size_t)batch, sizeof(int64_t));
    // The weights and frames (0 when not wanted) of the members in `active`, read once per row.
    double *activeWeights = calloc((size_t)(2 * batch), sizeof(double));
    v8f *dots = calloc((size_t)batch, sizeof(v8f));
    if (!acc || !ll || !counters || !active || !activeWeights || !dots) abort(); // a few kilobytes: out of memory is not recoverable here
    v8f *accF = acc + batch * blocks;
    double *activeFrames = activeWeights + batch;
    int64_t *pending = counters;
    int64_t *touchedLo = counters + batch, *touchedHi = counters + 2 * batch;
    for (int64_t k = 0; k < batch; k++) {
        touchedLo[k] = blocks;
        touchedHi[k] = 0;
    }
    const v8f *rows = (const v8f *)values;
    const v8f *p = (const v8f *)probs;
    estep_state st = {acc, accF, ll, pending, touchedLo, touchedHi, scales, weights, frames,
                      framesMembers, out, blocks, width, batch, stride};
    if (memberCount == 1) {
        one_member_rows(&st, rows, p, bands, offsets, members[0], rowBegin, rowEnd);
        rowEnd = rowBegin; // every row is done: the batch's loop below has none
    }

    // Per row: the members that use it, and their dot products L_r · p_k. Members go in groups of 8, 4
    // and 1, each group's sums held in registers while the row's blocks stream past once (from L1 after
    // the first group); each member's sum is one chain over the blocks in order, whatever its group.
    for (int64_t r = rowBegin; r < rowEnd; r++) {
        const int64_t lo = bands[2 * r], hi = bands[2 * r + 1];
        // Block b of the row (lo ≤ b < hi) is row[b − lo]: the band's blocks are stored contiguously.
        const v8f *row = rows + offsets[r];
        int64_t used = 0;
        // Written without branches (a bootstrap's zero weights fall at random): every member is stored,
        // and the count moves past it only when it uses the row.
        // Member k's entries of row r are rowWeights[8k] and rowFrames[8k] (``nta_row_entry``).
        const double *rowWeights = weights + nta_row_entry(r, 0, batch);
        if (frames) {
            const double *rowFrames = frames + nta_row_entry(r, 0, batch);
            for (int64_t m = 0; m < memberCount; m++) {
                const int64_t k = members[m];
                const double wk = rowWeights[8 * k], fk = wantsFrames(framesMembers, k) ? rowFrames[8 * k] : 0;
                active[used] = k;
                activeWeights[used] = wk;
                activeFrames[used] = fk;
                used += (wk != 0) | (fk != 0);
            }
        } else {
            for (int64_t m = 0; m < memberCount; m++) {
                const int64_t k = members[m];
                const double wk = rowWeights[8 * k];
                active[used] = k;
                activeWeights[used] = wk;
                activeFrames[used] = 0;
                used += wk != 0;
            }
        }
        int64_t j = 0;
        for (; j + 8 <= used; j += 8) {
            const v8f *q0 = p + active[j] * blocks, *q1 = p + active[j + 1] * blocks;
            const v8f *q2 = p + active[j + 2] * blocks, *q3 = p + active[j + 3] * blocks;
            const v8f *q4 = p + active[j + 4] * blocks, *q5 = p + active[j + 5] * blocks;
            const v8f *q6 = p + active[j + 6] * blocks, *q7 = p + active[j + 7] * blocks;
            v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
            for (int64_t b = lo; b < hi; b++) {
                const v8f x = row[b - lo];
                a0 += x * q0[b]; a1 += x * q1[b]; a2 += x * q2[b]; a3 += x * q3[b];
                a4 += x * q4[b]; a5 += x * q5[b]; a6 += x * q6[b]; a7 += x * q7[b];
            }
            dots[j] = a0; dots[j + 1] = a1; dots[j + 2] = a2; dots[j + 3] = a3;
            dots[j + 4] = a4; dots[j + 5] = a5; dots[j + 6] = a6; dots[j + 7] = a7;
        }
        for (; j + 4 <= used; j += 4) {
            const v8f *q0 = p + active[j] * blocks, *q1 = p + active[j + 1] * blocks;
            const v8f *q2 = p + active[j + 2] * blocks, *q3 = p + active[j + 3] * blocks;
            v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (int64_t b = lo; b < hi; b++) {
                const v8f x = row[b - lo];
                a0 += x * q0[b]; a1 += x * q1[b]; a2 += x * q2[b]; a3 += x * q3[b];
            }
            dots[j] = a0; dots[j + 1] = a1; dots[j + 2] = a2; dots[j + 3] = a3;
        }
        for (; j < used; j++) {
            const v8f *q0 = p + active[j] * blocks;
            v8f a0 = {0};
            for (int64_t b = lo; b < hi; b++) a0 += row[b - lo] * q0[b];
            dots[j] = a0;
        }
        for (int64_t j = 0; j < used; j++)
            finish_row(&st, r, active[j], &dots[j], row, lo, hi, activeWeights[j], activeFrames[j]);
    }
    for (int64_t m = 0; m < memberCount; m++) {
        const int64_t k = members[m];
        double *o = out + k * stride;
        flush(o, acc + k * blocks, accF + k * blocks, width, touchedLo[k], touchedHi[k],
              frames && wantsFrames(framesMembers, k));
        o[2 * width] += ll[k];
    }
    free(acc);
    free(ll);
    free(counters);
    free(active);
    free(activeWeights);
    free(dots);
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("avx2"))) static void estep_avx2(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *scales, const double *weights,
    const double *frames, const uint8_t *framesMembers, const float *probs, int64_t blocks, int64_t batch, const int32_t *members,
    int64_t memberCount, int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride) {
    estep_body(values, bands, offsets, scales, weights, frames, framesMembers, probs, blocks, batch, members, memberCount, rowBegin,
               rowEnd, out, stride);
}

/// AVX2 in the CPU (CPUID leaf 7, EBX bit 5) and YMM state enabled by the OS (OSXSAVE, XCR0 bits 1–2).
static int detect_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27)) || !(c & (1u << 28))) return 0; // OSXSAVE, AVX
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6u) != 6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 5)) != 0;
}

/// AVX2 (``detect_avx2``) with BMI1 and BMI2 (CPUID leaf 7, EBX bits 3 and 8).
static int detect_bit_manipulation(void) {
    if (!detect_avx2()) return 0;
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 3)) != 0 && (b & (1u << 8)) != 0;
}
#endif

void nta_estep_rows_portable(
    const float *values, const int32_t *bands, const int64_t *offsets, const double *scales, const double *weights,
    const double *frames, const uint8_t *framesMembers, const float *probs, int64_t blocks, int64_t batch, const int32_t *members,
    int64_t memberCount, int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride) {
    FLUSH_SUBNORMALS_BEGIN
    estep_body(values, bands, offsets, scales, weights, frames, framesMembers, probs, blocks, batch, members, memberCount, rowBegin,
               rowEnd, out, stride);
    FLUSH_SUBNORMALS_END
}

#if defined(__x86_64__)
/// `detect()`'s answer, found once and kept in `*known` (−1 until then; a benign race: every thread finds the
/// same answer).
static int cached_feature(int *known, int (*detect)(void)) {
    int answer = __atomic_load_n(known, __ATOMIC_RELAXED);
    if (answer < 0) {
        answer = detect();
        __atomic_store_n(known, answer, __ATOMIC_RELAXED);
    }
    return answer;
}

static int wide_vectors = -1, bit_manipulation = -1;

int nta_kernels_wide_vectors(void) { return cached_feature(&wide_vectors, detect_avx2); }
int nta_kernels_bit_manipulation(void) { return cached_feature(&bit_manipulation, detect_bit_manipulation); }
#else
int nta_kernels_wide_vectors(void) { return 0; }
int nta_kernels_bit_manipulation(void) { return 0; }
#endif

void nta_estep_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *scales,
                    const double *weights, const double *frames, const uint8_t *framesMembers, const float *probs,
                    int64_t blocks, int64_t batch, const int32_t *members, int64_t memberCount,
                    int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        FLUSH_SUBNORMALS_BEGIN
        estep_avx2(values, bands, offsets, scales, weights, frames, framesMembers, probs, blocks, batch, members, memberCount, rowBegin,
                   rowEnd, out, stride);
        FLUSH_SUBNORMALS_END
        return;
    }
#endif
    nta_estep_rows_portable(values, bands, offsets, scales, weights, frames, framesMembers, probs, blocks, batch, members, memberCount,
                            rowBegin, rowEnd, out, stride);
}
