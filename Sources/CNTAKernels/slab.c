// One step of the visit model's slab walk (see nta_kernels.h).
//
// One body, compiled for AVX2 (chosen at run time) and portably. Each output cell is a sum over
// the source cells in increasing order, with no fused multiply-add, so both paths give the bits of
// the plain scalar loop.

#include "nta_kernels.h"

#pragma clang fp contract(off)

static inline __attribute__((always_inline)) void slab_step_body(const double *restrict from, double *restrict to,
                                                                const double *restrict kernel, int64_t n,
                                                                int64_t reach) {
    const int64_t half = (n + 1) / 2;
    for (int64_t j = 0; j < half; j++) to[j] = 0;
    for (int64_t i = 0; i < n; i++) {
        const int64_t lo = i - reach > 0 ? i - reach : 0;
        const int64_t hi = i + reach < half - 1 ? i + reach : half - 1;
        const double vi = from[i];
        for (int64_t j = lo; j <= hi; j++) to[j] += vi * kernel[j - i + reach];
    }
    for (int64_t j = 0; j < n / 2; j++) to[n - 1 - j] = to[j];
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void slab_step_avx2(const double *restrict from, double *restrict to,
                                                           const double *restrict kernel, int64_t n, int64_t reach) {
    slab_step_body(from, to, kernel, n, reach);
}
#endif

void nta_slab_step_portable(const double *from, double *to, const double *kernel, int64_t n, int64_t reach) {
    slab_step_body(from, to, kernel, n, reach);
}

void nta_slab_step(const double *from, double *to, const double *kernel, int64_t n, int64_t reach) {
#if defined(__x86_64__)
    if (nta_kernels_wide_vectors()) {
        slab_step_avx2(from, to, kernel, n, reach);
        return;
    }
#endif
    slab_step_body(from, to, kernel, n, reach);
}
