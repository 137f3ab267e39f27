// A timing harness for the reader's fast path alone (CNTAKernels' nta_parse_rows, and its portable build), on a
// real trajectory CSV whose columns are trackpy's particle,frame,x,y,mass (e.g. the side-by-side script's
// /tmp/swift-nta-benchmarks/independent-10M-v1/tracks.csv). The file is mapped and its pages read in first; the
// header line is skipped; every row is parsed on one core. Prints the best of REPS passes, ns per row, and an
// FNV-1a hash of the five columns' bytes (two builds that parse alike print the same hash).
//
//   clang -O2 -I Sources/CNTAKernels/include Benchmarks/kernels/parse_harness.c Sources/CNTAKernels/rows.c \
//       Sources/CNTAKernels/estep.c -lm -o /tmp/parse_harness
//   /tmp/parse_harness FILE REPS [portable]
//
// Single-threaded: the library parses a file's pieces on both cores.
#include "nta_kernels.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t fnv(uint64_t h, const void *bytes, size_t n) {
    const unsigned char *p = bytes;
    for (size_t k = 0; k < n; k++) { h ^= p[k]; h *= 1099511628211ULL; }
    return h;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s FILE REPS [portable]\n", argv[0]); return 64; }
    const int reps = atoi(argv[2]), portable = argc > 3 && strcmp(argv[3], "portable") == 0;
    const int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) { perror(argv[1]); return 1; }
    const uint8_t *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 1; }
    const uint8_t *header = memchr(base, '\n', (size_t)st.st_size);
    const int64_t start = header ? header - base + 1 : st.st_size, capacity = st.st_size / 8 + 1;
    int64_t lastField = 0;  // the header's last field: its commas
    for (int64_t k = 0; k < start; k++) lastField += base[k] == ',';
    int64_t *particle = calloc((size_t)capacity, 8);
    int32_t *frame = calloc((size_t)capacity, 4);
    double *x = calloc((size_t)capacity, 8), *y = calloc((size_t)capacity, 8), *mass = calloc((size_t)capacity, 8);
    const uint8_t roles[5] = {1, 2, 3, 4, 5};
    double best = 1e30;
    nta_row_cursor c;
    int stopped = 0;
    for (int r = 0; r < reps; r++) {
        c = (nta_row_cursor){start, st.st_size, 0, 0, capacity, particle, frame, x, y, mass};
        const double t = now();
        stopped = portable ? nta_parse_rows_portable(base, &c, roles, 4, lastField, ',')
                           : nta_parse_rows(base, &c, roles, 4, lastField, ',');
        const double e = now() - t;
        if (e < best) best = e;
    }
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, particle, (size_t)c.kept * 8);
    h = fnv(h, frame, (size_t)c.kept * 4);
    h = fnv(h, x, (size_t)c.kept * 8);
    h = fnv(h, y, (size_t)c.kept * 8);
    h = fnv(h, mass, (size_t)c.kept * 8);
    printf("%s build: %lld rows (stopped for the general parser: %s), best %.3f s, %.1f ns a row, hash %016llx\n",
           portable ? "portable" : (nta_kernels_bit_manipulation() ? "AVX2+BMI2" : "portable (no AVX2+BMI2 here)"),
           (long long)c.kept, stopped ? "yes" : "no", best, best * 1e9 / (double)(c.kept ? c.kept : 1),
           (unsigned long long)h);
    return 0;
}
