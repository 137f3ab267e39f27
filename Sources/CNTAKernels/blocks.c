// Accumulating circular-block sums for the frame bootstrap (see nta_kernels.h).
//
// The block starts are random, so each reads its row of `sums` from memory the caches do not hold; reading
// the rows a few starts ahead (a prefetch) overlaps those misses. Every column is summed over the starts in
// their order, with no contraction, so the bits are those of the plain loop.

#include "nta_kernels.h"

#pragma clang fp contract(off)

void nta_add_block_sums(const double *sums, int64_t width, const int64_t *starts, int64_t count, double *acc) {
    enum { ahead = 16 };
    for (int64_t k = 0; k < count; k++) {
        if (k + ahead < count) __builtin_prefetch(sums + starts[k + ahead] * width);
        const double *row = sums + starts[k] * width;
        for (int64_t c = 0; c < width; c++) acc[c] += row[c];
    }
}
