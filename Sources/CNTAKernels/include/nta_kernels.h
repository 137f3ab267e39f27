#ifndef SWIFT_NTA_KERNELS_H
#define SWIFT_NTA_KERNELS_H
// Hot kernels of swift-nta in C: the numerical ones use the wide vector units a
// machine has (chosen at run time) without building the whole package for one
// CPU, and give bit-identical results on every path (the same operations in the
// same order, lane by lane, with no fused multiply-add); and the trajectory
// reader's fast path over rows of plain decimals.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One chunk of rows of the penalised EM's E-step (NTADistribution's PenalisedEM) for a batch of
/// members, each likelihood row read once for all of them.
///
/// Layouts: row r's non-zero blocks of 8 floats are `bands[2r] ..< bands[2r+1]` (of `blocks` per row),
/// stored contiguously in `values` from block `offsets[r]` (so block b is at `offsets[r] + b − bands[2r]`;
/// rows stored band by band are read as one stream); `scales[r]` is ln of row r's normalisation; `weights`
/// and `frames` (NULL when not wanted) hold member k's entry of row r at `((r/8)·batch + k)·8 + r mod 8`:
/// blocks of 8 rows, each holding every member's 8 entries in turn (one member: entry r), so that one
/// member's entries are written a cache line at a time and a block of rows is read in one stream of
/// 64·batch bytes (room for ⌈rows/8⌉·8·batch entries when batch > 1); `framesMembers`
/// (NULL: every member) holds, per member, 1 where its frames are wanted and 0 where they are not;
/// `probs` holds member k's grid weights at `probs[k·blocks·8 …]`.
///
/// For each member k listed in `members`, adds to `out[k·stride …]`:
/// - `[0, 8·blocks)`: Σ_r w_rk L_r / s_rk, with s_rk = L_r · p_k;
/// - `[8·blocks, 16·blocks)`: Σ_r f_rk L_r / s_rk (only when `frames` is not NULL and member k's
///   `framesMembers` entry is not 0; otherwise left as it was);
/// - `[16·blocks]`: Σ_r w_rk (scales[r] + ln s_rk), a row with s_rk ≤ 0 adding w_rk·(−10⁴).
/// Float accumulators are flushed to the doubles in `out` every 256 rows a member uses, so a
/// member's sums do not depend on the other members. `stride` must be at least 16·blocks + 1.
/// On x86-64 the call runs with subnormal operands and results flushed to zero (MXCSR's DAZ and FTZ,
/// the caller's mode restored on return): a subnormal operand costs a microcode assist of ~100 cycles
/// per instruction, and tails of p below 2⁻¹²⁶ ≈ 1.2·10⁻³⁸ (seen at small λ) slowed whole passes by
/// a third. Such a term cannot change a row's dot product above ~10⁻³¹; a row whose every term is
/// below 2⁻¹²⁶ has a zero dot product and counts as unsupported (w·(−10⁴)), as a zero always did.
/// Where member k's entry of row r is in ``nta_estep_rows``' `weights` and `frames` (`batch` members): blocks of 8
/// rows, each holding every member's 8 entries in turn; with one member, entry r. The one definition of the
/// layout, for the kernel and for NTADistribution's writers (PenalisedEM.rowEntry).
static inline int64_t nta_row_entry(int64_t r, int64_t k, int64_t batch) { return ((r >> 3) * batch + k) * 8 + (r & 7); }

void nta_estep_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *scales,
                    const double *weights, const double *frames, const uint8_t *framesMembers, const float *probs,
                    int64_t blocks, int64_t batch, const int32_t *members, int64_t memberCount,
                    int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride);

/// ``nta_estep_rows`` on the portable path whatever the machine (for tests: both paths give the same bits).
void nta_estep_rows_portable(const float *values, const int32_t *bands, const int64_t *offsets, const double *scales,
                             const double *weights, const double *frames, const uint8_t *framesMembers, const float *probs,
                             int64_t blocks, int64_t batch, const int32_t *members, int64_t memberCount,
                             int64_t rowBegin, int64_t rowEnd, double *out, int64_t stride);

/// One chunk of rows of the penalised EM's curvature (NTADistribution's PenalisedEM.negativeHessian):
/// for each row r with `weights[r]` > 0 and s_r = Σ_i L_ri p_i > 0 (over its band, nodes below
/// `nodes`), with ρ_ri = L_ri p_i / s_r, adds w_r ρ_ri ρ_rk to `outer[i·nodes + k]` for k ≥ i (the
/// upper triangle) and w_r ρ_ri to `counts[i]`. The outer terms are added only for i and k from the row's first to
/// its last node with ρ_ri ≥ `negligible` (0: every node of the band); the counts for every node. `values` and
/// `bands` are laid out as for ``nta_estep_rows``; `probs` holds p in double; `scratch` has room for `nodes` doubles.
void nta_outer_rows(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                    int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible, double *outer,
                    double *counts, double *scratch);

/// ``nta_outer_rows`` on the portable path whatever the machine (for tests: both paths give the same bits).
void nta_outer_rows_portable(const float *values, const int32_t *bands, const int64_t *offsets, const double *weights, const double *probs,
                             int64_t blocks, int64_t nodes, int64_t rowBegin, int64_t rowEnd, double negligible,
                             double *outer, double *counts, double *scratch);

/// Adds Σ_r w_r·g_ri·g_rj to `acc[i·a + j]` for every j ≥ i (the upper triangle of an a×a matrix) over `rows`
/// rows of `g` (row r's a values at `g[r·a …]`), each term computed as (w_r·g_ri)·g_rj and the rows' terms
/// added to each element one at a time in row order: the bits of a row-by-row rank-one update.
void nta_weighted_outer_upper(const double *g, const double *w, int64_t rows, int64_t a, double *acc);

/// ``nta_weighted_outer_upper`` on the portable path whatever the machine (for tests: both paths give the same bits).
void nta_weighted_outer_upper_portable(const double *g, const double *w, int64_t rows, int64_t a, double *acc);

/// Adds, for each of `count` block starts j (in order), row j of the frame-major `sums` (`width` values a row)
/// to `acc`: acc[c] += sums[j·width + c]. The frame bootstrap's inner loop (NTAPopulations' BlockBootstrap),
/// with the rows read a few starts ahead; the same bits as the plain loop.
void nta_add_block_sums(const double *sums, int64_t width, const int64_t *starts, int64_t count, double *acc);

/// One step of a Gaussian walk's survival in a slab of `n` cells (NTADistribution's VisitLengthModel.slab):
/// `to[j] = Σ_i from[i] · kernel[j − i + reach]` over the cells i within `reach` of j, summed in increasing i,
/// for the first ⌈n/2⌉ cells; the rest mirror them (`to[n−1−j] = to[j]`: `from` and the slab are symmetric
/// about the centre). `kernel` holds the transition probabilities of offsets −reach…reach (2·reach + 1
/// values); `from` and `to` hold `n` values each and must not overlap.
void nta_slab_step(const double *from, double *to, const double *kernel, int64_t n, int64_t reach);

/// ``nta_slab_step`` on the portable path whatever the machine (for tests: both paths give the same bits).
void nta_slab_step_portable(const double *from, double *to, const double *kernel, int64_t n, int64_t reach);

/// 1 when the kernels run on 256-bit vectors on this machine (AVX2), 0 on the portable path.
int nta_kernels_wide_vectors(void);

/// 1 when the reader's fast path runs with AVX2, BMI1 and BMI2 on this machine, 0 on the portable path.
int nta_kernels_bit_manipulation(void);

/// A range of delimited rows being parsed by ``nta_parse_rows``: the next line's first byte (`position`) and
/// the range's end, the rows parsed and written so far, and where they go (`capacity` rows of each column;
/// `intensity` NULL when there is none; `video`, when not NULL, takes each row's video field as its place in the
/// bytes, ``nta_video_place``, ``NTA_VIDEO_FIELD_MAX`` bytes at most).
typedef struct {
    int64_t position;
    int64_t end;
    int64_t rows;
    int64_t kept;
    int64_t capacity;
    int64_t *particle;
    int32_t *frame;
    double *x;
    double *y;
    double *intensity;
    int64_t *video;
} nta_row_cursor;

/// The longest video field (``nta_row_cursor``'s `video`) the reader takes, in bytes.
#define NTA_VIDEO_FIELD_MAX 4096

/// A video field's place in the bytes as one word: its start (below 2⁴⁸) | its length << 48.
static inline int64_t nta_video_place(int64_t start, int64_t length) { return start | (length << 48); }
/// The start of a video field's place (``nta_video_place``).
static inline int64_t nta_video_place_start(int64_t place) { return place & 0xFFFFFFFFFFFFLL; }
/// The length of a video field's place (``nta_video_place``).
static inline int64_t nta_video_place_length(int64_t place) { return place >> 48; }

/// The trajectory reader's fast path (NTARead's TrajectoryCSVReader): from the cursor on, skips blank lines
/// (LF, CRLF) and writes each row whose fields up to `lastNeeded` hold no quote and whose mapped fields are
/// plain decimals (``nta_plain_decimal``) with an integral particle id below 9·10¹⁵, an integral frame within
/// Int32 and both positions. The fields' ends are found 64 bytes at a time (delimiters, newlines and quotes as
/// bit masks; one mask for a row that fits in 64 bytes) before their numbers are read; a short field's number in
/// one word (``nta_short_field``). With AVX2, BMI1 and BMI2 (``nta_kernels_bit_manipulation``) a build of it for
/// them runs. Delimiters: comma, tab or semicolon (with any other, every row is
/// left to the general parser). `roles[f]` says what field f holds (0 none, 1 particle, 2 frame, 3 x, 4 y,
/// 5 intensity, 6 video: a name, taken when it is 1 … ``NTA_VIDEO_FIELD_MAX`` bytes neither starting nor ending with
/// a space or tab, and written as its place). `lastField` is the header's last field: a row is taken only when the fields after `lastNeeded`
/// hold no quote and any past `lastField` are empty (a trailing delimiter; the general parser judges a row with
/// more fields than the header). Returns 1 when it stops at a line this path does not take (the cursor left at
/// that line, for the general parser), 0 once the cursor has reached its end.
int nta_parse_rows(const uint8_t *base, nta_row_cursor *cursor, const uint8_t *roles, int64_t lastNeeded,
                   int64_t lastField, uint8_t delimiter);

/// ``nta_parse_rows`` on the portable path whatever the machine (for tests: both paths give the same rows).
int nta_parse_rows_portable(const uint8_t *base, nta_row_cursor *cursor, const uint8_t *roles, int64_t lastNeeded,
                            int64_t lastField, uint8_t delimiter);

/// The newlines in `base[from..<to]`, sixteen bytes at a time.
int64_t nta_count_newlines(const uint8_t *base, int64_t from, int64_t to);

/// The fast path's run of ASCII digits at `*i`, read eight bytes at a time while eight remain before `end`
/// (Lemire 2018) and then one at a time: each digit ×10 and added to `*significand` (modulo 2⁶⁴); moves
/// `*i` past the run and returns its length. For tests.
int64_t nta_digit_run(const uint8_t *base, int64_t *i, int64_t end, uint64_t *significand);

/// The fast path's number: at `start`, an optional '-', at most 19 digits with an optional '.', at most 22
/// after it, their integer below 2⁵³, ended by `delimiter`, a newline, "\r\n" or `end`. Writes the value
/// (correctly rounded: the integer and 10ⁿ are exact doubles, one division) and the index of the byte that
/// ends it (for "\r\n", the '\n'), and returns 1; 0 for anything else. For tests.
int nta_plain_decimal(const uint8_t *base, int64_t start, int64_t end, uint8_t delimiter, double *value,
                      int64_t *after);

/// The fast path's short field: the `length` (1…8) bytes at `start` (eight bytes readable from it), when they are
/// digits with at most one '.' and no sign, read as one word; the value is ``nta_plain_decimal``'s. Returns 1 with
/// the value written, 0 for anything else (which the fast path then gives to ``nta_plain_decimal``'s rule). For
/// tests.
int nta_short_field(const uint8_t *base, int64_t start, int64_t length, double *value);

/// The smallest finite, positive value of `values[0..<n]` (+∞ when none) and how many there are: the first pass
/// of NTADiffusion's VideoNuisance.meanInverseIntensity.
void nta_smallest_positive(const double *values, int64_t n, double *smallest, int64_t *count);

/// ``nta_smallest_positive`` on the portable path whatever the machine (for tests).
void nta_smallest_positive_portable(const double *values, int64_t n, double *smallest, int64_t *count);

/// Σ ⌊min((1/v)·perQuantum + ½, 2³² + 1)⌋ over the finite, positive values v of `values[0..<n]`, exactly (the
/// second pass of VideoNuisance.meanInverseIntensity: 1/I in quanta, rounded half up); the others count 0.
int64_t nta_inverse_quanta(const double *values, int64_t n, double perQuantum);

/// ``nta_inverse_quanta`` on the portable path whatever the machine (for tests).
int64_t nta_inverse_quanta_portable(const double *values, int64_t n, double perQuantum);

/// FFTW's wisdom (its text format) for the DST-I (FFTW_RODFT00) of every length 25…1000 planned with
/// FFTW_ESTIMATE | FFTW_UNALIGNED by Debian 12's libfftw3 3.3.10 (scripts/generate-fftw-wisdom.sh writes it).
/// Imported before the first plan, it lets FFTW make the plans FFTW_ESTIMATE picks without searching for them
/// (~6 ms a length whose 2(K + 1) has a large prime factor; 0.74 s of planning for the EV-like 10M file's 348
/// lengths); an FFTW built otherwise rejects it whole and plans as before.
const char *nta_fftw_wisdom(void);

#ifdef __cplusplus
}
#endif

#endif
