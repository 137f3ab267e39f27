// A timing harness for the E-step kernel alone (CNTAKernels' nta_estep_rows), on a synthetic matrix shaped like the
// independent-looking 10M file's: 48,913 rows of 25 blocks, each row's band 10–17 blocks stored band after band, a
// third of the members' weights zero (a bootstrap's; `full` as a third argument: none, as in a single fit's
// E-step, whose rows all hold tracks), uniform grid weights (`subnormal`: every tenth below 2⁻¹²⁶, as a fit's tails
// at a small λ). Prints the best of REPS passes.
//
// `heldout` or `evlike`: the weights a bootstrap gives pooled rows instead (each row's track count drawn from that
// 10M file's histogram of tracks per pooled row, measured at 1825348; each member's weight the sum of one Poisson(1)
// multiplicity per track; `full`: the track count), which reach far above the default's 1–2.
//
//   clang -O3 -c Sources/CNTAKernels/estep.c -I Sources/CNTAKernels/include -o /tmp/estep.o
//   clang -O3 Benchmarks/kernels/estep_harness.c /tmp/estep.o -lm -o /tmp/estep_harness
//   /tmp/estep_harness MEMBERS REPS [full] [subnormal] [heldout|evlike]  # e.g. 1 20 full, 8 10, 32 10, 8 10 evlike
//
// Single-threaded: the library splits a pass over fixed chunks of rows for both cores.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

void nta_estep_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *scales,
                    const double *weights, const double *frames, const uint8_t *framesMembers, const float *probs,
                    int64_t blocks, int64_t batch, const int32_t *members, int64_t memberCount, int64_t rowBegin,
                    int64_t rowEnd, double *out, int64_t stride);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MEMBERS REPS [full] [subnormal] [heldout|evlike]\n", argv[0]); return 64; }
    int full = 0, subnormal = 0;
    // Tracks per pooled row: the cumulative fractions of rows with 1, 2, 3–4, 5–8, 9–16, 17–64 and 65–164 tracks.
    const double *pooled = NULL;
    static const double heldout[7] = {0.711, 0.848, 0.926, 0.964, 0.982, 0.997, 1};
    static const double evlike[7] = {0.249, 0.368, 0.502, 0.624, 0.735, 0.889, 1};
    for (int a = 3; a < argc; a++) {
        full |= strcmp(argv[a], "full") == 0;
        subnormal |= strcmp(argv[a], "subnormal") == 0;
        if (strcmp(argv[a], "heldout") == 0) pooled = heldout;
        if (strcmp(argv[a], "evlike") == 0) pooled = evlike;
    }
    const int64_t rows = 48913, blocks = 25, batch = atoi(argv[1]);
    const int reps = atoi(argv[2]);
    if (batch < 1 || reps < 1) { fprintf(stderr, "MEMBERS and REPS must be positive\n"); return 64; }
    int32_t *bands = malloc((size_t)rows * 2 * sizeof(int32_t));
    int64_t *offsets = malloc((size_t)rows * sizeof(int64_t));
    double *scales = calloc((size_t)rows, sizeof(double));
    srand(1);
    int64_t stored = 0;
    for (int64_t r = 0; r < rows; r++) {
        int lo = rand() % 8, hi = lo + 10 + rand() % 8;
        if (hi > blocks) hi = (int)blocks;
        bands[2 * r] = lo;
        bands[2 * r + 1] = hi;
        offsets[r] = stored;
        stored += hi - lo;
    }
    // 64-byte boundaries, as the library stores them (AlignedBlocks): a block split across two cache lines costs.
    float *values = aligned_alloc(64, ((size_t)stored * 8 * sizeof(float) + 63) / 64 * 64);
    for (int64_t i = 0; i < stored * 8; i++) values[i] = (float)rand() / (float)RAND_MAX;
    // Room for every member's entries of every block of 8 rows (the kernel's layout, nta_kernels.h).
    const int64_t entries = (rows + 7) / 8 * 8 * batch;
    double *weights = malloc((size_t)entries * sizeof(double));
    for (int64_t i = 0; i < entries; i++) weights[i] = !full && rand() % 3 == 0 ? 0 : 1 + rand() % 2;
    if (pooled) {
        static const int first[7] = {1, 2, 3, 5, 9, 17, 65}, span[7] = {1, 1, 2, 4, 8, 48, 100};
        for (int64_t r = 0; r < rows; r++) {
            const double u = (double)rand() / ((double)RAND_MAX + 1);
            int c = 0;
            while (u >= pooled[c]) c++;
            const int tracks = first[c] + rand() % span[c];
            for (int64_t k = 0; k < batch; k++) {
                // Member k's entry of row r (nta_row_entry): Σ Poisson(1) over the row's tracks (Knuth's method).
                int draws = 0;
                for (int t = 0; t < tracks && !full; t++) {
                    double product = (double)rand() / ((double)RAND_MAX + 1);
                    while (product > exp(-1.0)) { draws++; product *= (double)rand() / ((double)RAND_MAX + 1); }
                }
                weights[((r >> 3) * batch + k) * 8 + (r & 7)] = full ? tracks : draws;
            }
        }
    }
    float *probs = aligned_alloc(64, ((size_t)(batch * blocks * 8) * sizeof(float) + 63) / 64 * 64);
    for (int64_t i = 0; i < batch * blocks * 8; i++) probs[i] = 1.0f / 200;
    // `subnormal`: every tenth grid weight below 2⁻¹²⁶, as the tails of a fit at a small λ.
    if (subnormal) for (int64_t i = 0; i < batch * blocks * 8; i += 10) probs[i] = 1e-41f;
    int32_t *members = malloc((size_t)batch * sizeof(int32_t));
    for (int64_t k = 0; k < batch; k++) members[k] = (int32_t)k;
    const int64_t stride = 16 * blocks + 1;
    double *out = calloc((size_t)(batch * stride), sizeof(double));
    double best = 1e9;
    for (int rep = 0; rep < reps; rep++) {
        const double t0 = now();
        nta_estep_rows(values, bands, offsets, scales, weights, NULL, NULL, probs, blocks, batch, members, batch, 0,
                       rows, out, stride);
        const double dt = now() - t0;
        if (dt < best) best = dt;
    }
    printf("%ld members: best pass %.2f ms (%.3f ms per member; checksum %g)\n", (long)batch, best * 1e3,
           best * 1e3 / (double)batch, out[0]);
    return 0;
}
