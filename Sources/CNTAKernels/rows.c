// The trajectory reader's fast path over delimited rows (see nta_kernels.h). NTARead's TrajectoryCSVReader
// gives each line this path does not take to its general parser, which decides what the row means or which
// error it is, and then resumes this path after it.

#include "nta_kernels.h"
#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { role_none = 0, role_particle = 1, role_frame = 2, role_x = 3, role_y = 4, role_intensity = 5, role_video = 6 };

static const double exact_powers_of_ten[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// 10ⁿ for n in 1…8.
static inline __attribute__((always_inline)) uint64_t decimal_scale(int64_t n) {
    static const uint64_t scales[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    return scales[n];
}

/// The run of ASCII digits at *i into *significand (×10 and plus each digit, modulo 2⁶⁴), eight bytes at a
/// time while eight remain before `end`: the digits are the bytes before the first whose high bit is set in
/// (w − "0"×8) | (w + 0x46×8) (below '0' or above '9'), joined by three multiply-and-mask steps (neighbouring
/// digits, pairs, quadruples: Lemire 2018, "Faster integer parsing"); then one at a time.
static inline __attribute__((always_inline)) int64_t digit_run(const uint8_t *base, int64_t *i, int64_t end,
                                                                uint64_t *significand) {
    int64_t count = 0;
    while (*i + 8 <= end) {
        uint64_t word;
        memcpy(&word, base + *i, 8);
        const uint64_t values = word - 0x3030303030303030ULL;
        const uint64_t nonDigit = (values | (word + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
        const int64_t n = nonDigit ? (int64_t)(__builtin_ctzll(nonDigit) >> 3) : 8;
        if (n > 0) {
            uint64_t v = values << (64 - 8 * n);
            v = ((v * 10) + (v >> 8)) & 0x00FF00FF00FF00FFULL;
            v = ((v * 100) + (v >> 16)) & 0x0000FFFF0000FFFFULL;
            v = ((v * 10000) + (v >> 32)) & 0x00000000FFFFFFFFULL;
            *significand = *significand * decimal_scale(n) + v;
            count += n;
            *i += n;
        }
        if (n < 8) return count;
    }
    while (*i < end) {
        const uint8_t d = (uint8_t)(base[*i] - 0x30);
        if (d > 9) break;
        *significand = *significand * 10 + d;
        count += 1;
        *i += 1;
    }
    return count;
}

/// A decimal's parts as the fast path reads them: its digits as one integer (modulo 2⁶⁴), their count, how many
/// follow the '.', and its sign.
typedef struct {
    uint64_t significand;
    int64_t digits, fractionDigits;
    int negative;
} decimal_parts;

/// Reads an optional '-', a run of digits, and an optional '.' with a run of digits after it, from `start`
/// (the sign and the point looked for before `limit`; digits read eight bytes at a time while eight remain
/// before `readEnd`). Returns the index of the first byte after them.
static inline __attribute__((always_inline)) int64_t decimal_prefix(const uint8_t *base, int64_t start, int64_t limit,
                                                                     int64_t readEnd, decimal_parts *d) {
    int64_t i = start;
    d->negative = 0;
    if (i < limit && base[i] == 0x2D) {
        d->negative = 1;
        i += 1;
    }
    d->significand = 0;
    d->digits = digit_run(base, &i, readEnd, &d->significand);
    d->fractionDigits = 0;
    if (i < limit && base[i] == 0x2E) {
        i += 1;
        d->fractionDigits = digit_run(base, &i, readEnd, &d->significand);
        d->digits += d->fractionDigits;
    }
    return i;
}

/// The value of a plain decimal's parts: at most 19 digits, at most 22 after the point, their integer below 2⁵³
/// (Clinger's fast path: the integer and 10ⁿ are exact doubles, one division, correctly rounded:
/// NumberParsing.parseDouble's value); 0 for anything else.
static inline __attribute__((always_inline)) int decimal_value(const decimal_parts *d, double *value) {
    if (!(d->digits > 0 && d->digits <= 19 && d->significand < (1ULL << 53) && d->fractionDigits <= 22)) return 0;
    double v = (double)d->significand;
    if (d->fractionDigits > 0) v /= exact_powers_of_ten[d->fractionDigits];
    *value = d->negative ? -v : v;
    return 1;
}

/// A plain decimal (``decimal_value``) ended by the delimiter, a newline, "\r\n" or `end`. Writes the value and
/// the index of the byte ending it (for "\r\n", the '\n'); 0 for anything else.
static inline __attribute__((always_inline)) int plain_decimal(const uint8_t *base, int64_t start, int64_t end,
                                                                uint8_t delimiter, double *value, int64_t *after) {
    decimal_parts d;
    int64_t i = decimal_prefix(base, start, end, end, &d);
    if (i < end) {
        const uint8_t b = base[i];
        if (b == 0x0D) {
            if (!(i + 1 < end && base[i + 1] == 0x0A)) return 0;
            i += 1;
        } else if (b != delimiter && b != 0x0A) {
            return 0;
        }
    }
    if (!decimal_value(&d, value)) return 0;
    *after = i;
    return 1;
}

/// A plain decimal (``decimal_value``) filling `[start, fieldEnd)` exactly, its digits read up to `readEnd`
/// (the byte at `fieldEnd` is a separator, never a digit).
static inline __attribute__((always_inline)) int field_decimal(const uint8_t *base, int64_t start, int64_t fieldEnd,
                                                                int64_t readEnd, double *value) {
    decimal_parts d;
    if (decimal_prefix(base, start, fieldEnd, readEnd, &d) != fieldEnd) return 0;
    return decimal_value(&d, value);
}

/// A field of 1…8 bytes at `p` (eight readable) holding digits with at most one '.' and no sign, read in one
/// word: the '.' found and squeezed out, the digits joined as in ``digit_run``; the value as ``decimal_value``
/// gives it. 0 (nothing written) for anything else, which ``field_decimal`` then judges.
static inline __attribute__((always_inline)) int short_field(const uint8_t *base, int64_t p, int64_t length,
                                                              double *value) {
    uint64_t word;
    memcpy(&word, base + p, 8);
    word &= ~0ULL >> (64 - 8 * length);
    const uint64_t x = word ^ 0x2E2E2E2E2E2E2E2EULL;
    const uint64_t dots = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL & (~0ULL >> (64 - 8 * length));
    int64_t n = length, fraction = 0;
    if (dots) {
        const int64_t d = __builtin_ctzll(dots) >> 3;
        const uint64_t low = d ? word & (~0ULL >> (64 - 8 * d)) : 0;
        word = low | (((word >> (8 * d)) >> 8) << (8 * d));
        n = length - 1;
        fraction = n - d;
        if (n == 0) return 0;
    }
    const uint64_t values = word - 0x3030303030303030ULL;
    const uint64_t nonDigit = (values | (word + 0x4646464646464646ULL)) & 0x8080808080808080ULL & (~0ULL >> (64 - 8 * n));
    if (nonDigit) return 0;
    uint64_t v = values << (64 - 8 * n);
    v = ((v * 10) + (v >> 8)) & 0x00FF00FF00FF00FFULL;
    v = ((v * 100) + (v >> 16)) & 0x0000FFFF0000FFFFULL;
    v = ((v * 10000) + (v >> 32)) & 0x00000000FFFFFFFFULL;
    double r = (double)v;
    if (fraction > 0) r /= exact_powers_of_ten[fraction];
    *value = r;
    return 1;
}

/// The plain decimal filling `[start, fieldEnd)` (``field_decimal``), read in one word when it is short
/// (``short_field``).
static inline __attribute__((always_inline)) int field_value(const uint8_t *base, int64_t start, int64_t fieldEnd,
                                                              int64_t end, double *value) {
    const int64_t length = fieldEnd - start;
    if (length >= 1 && length <= 8 && start + 8 <= end && short_field(base, start, length, value)) return 1;
    return field_decimal(base, start, fieldEnd, end, value);
}

/// The separators of a block of up to 64 bytes from `start`: bit k set when byte start + k is the delimiter,
/// a newline or a quote (a quote ends the fast path's line: the general parser takes it).
typedef struct {
    int64_t start;
    uint64_t mask;
} separator_block;

static inline __attribute__((always_inline)) uint64_t separator_mask(const uint8_t *base, int64_t start, int64_t end,
                                                                     uint8_t delimiter) {
    uint64_t mask = 0;
#if defined(__SSE2__)
    if (start + 64 <= end) {
        const __m128i d = _mm_set1_epi8((char)delimiter), lf = _mm_set1_epi8(0x0A), q = _mm_set1_epi8(0x22);
        for (int k = 0; k < 4; k++) {
            const __m128i v = _mm_loadu_si128((const __m128i *)(base + start + 16 * k));
            const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)),
                                             _mm_cmpeq_epi8(v, q));
            mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
        }
        return mask;
    }
#endif
    const int64_t n = end - start < 64 ? end - start : 64;
    for (int64_t k = 0; k < n; k++) {
        const uint8_t b = base[start + k];
        if (b == delimiter || b == 0x0A || b == 0x22) mask |= 1ULL << k;
    }
    return mask;
}

/// The first separator (delimiter, newline or quote) at or after `p`, or `end` when there is none before it.
/// Each field's end comes from the blocks' masks, one bit at a time, so that no field waits for the parse of
/// the one before it.
static inline __attribute__((always_inline)) int64_t next_separator(const uint8_t *base, separator_block *b,
                                                                    int64_t p, int64_t end, uint8_t delimiter) {
    for (;;) {
        const int64_t offset = p - b->start;
        if (offset >= 0 && offset < 64) {
            const uint64_t m = b->mask & (~0ULL << offset);
            if (m) return b->start + __builtin_ctzll(m);
            p = b->start + 64;
        }
        if (p >= end) return end;
        b->start = p;
        b->mask = separator_mask(base, p, end, delimiter);
    }
}

/// The length of the blank line at `start` ("\n": 1, "\r\n": 2), or 0 when the line holds something.
static inline __attribute__((always_inline)) int64_t blank_line_length(const uint8_t *base, int64_t start, int64_t end) {
    if (base[start] == 0x0A) return 1;
    return base[start] == 0x0D && start + 1 < end && base[start + 1] == 0x0A ? 2 : 0;
}

/// The fields after the last one read, from the delimiter at `e` ending field `field`: the index after the line's
/// newline (or `end`) when the line holds at most the header's fields (`lastField` + 1) and any past them are empty
/// (a trailing delimiter, "\r" before the newline allowed); −1 when a field past them holds anything or a field
/// holds a quote (the general parser's: it reads quoted fields, or says which error the row is). The separators
/// come from the row's mask (`separators`, the bits left of the 64 bytes from `start`) while it has some, then
/// from the blocks' masks.
static inline __attribute__((always_inline)) int64_t rest_of_line(const uint8_t *base, separator_block *blocks,
                                                                   int64_t start, uint64_t separators, int64_t e,
                                                                   int64_t end, int64_t field, int64_t lastField,
                                                                   uint8_t delimiter) {
    for (;;) {
        const int64_t p = e + 1;
        field += 1;
        if (separators) {
            e = start + __builtin_ctzll(separators);
            separators &= separators - 1;
        } else {
            e = next_separator(base, blocks, p, end, delimiter);
        }
        const uint8_t separator = e < end ? base[e] : 0x0A;
        if (separator == 0x22) return -1;
        if (field > lastField && e > p && !(separator == 0x0A && e == p + 1 && base[p] == 0x0D)) return -1;
        if (separator == 0x0A) return e < end ? e + 1 : end;
    }
}

/// The video field `[p, fieldEnd)` as a name it stands for (1 … ``NTA_VIDEO_FIELD_MAX`` bytes, no space or tab at
/// either end, which the general parser trims, and no CR): its place (``nta_video_place``) in `*place`, 1; else 0.
static inline __attribute__((always_inline)) int video_field(const uint8_t *base, int64_t p, int64_t fieldEnd,
                                                              int64_t *place) {
    const int64_t length = fieldEnd - p;
    if (length < 1 || length > NTA_VIDEO_FIELD_MAX) return 0;
    const uint8_t first = base[p], last = base[fieldEnd - 1];
    if (first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 || last == 0x0D) return 0;
    *place = nta_video_place(p, length);
    return 1;
}

/// A line's mapped values (by role) written as the cursor's next row, the cursor moved to `next`; 0 (nothing
/// written) for a missing or non-integral id or frame, a missing position, or no room: the general path's to judge.
static inline __attribute__((always_inline)) int take_row(nta_row_cursor *c, const double *values, int64_t video,
                                                          int64_t next) {
    const double particle = values[role_particle], frame = values[role_frame];
    const double x = values[role_x], y = values[role_y];
    if (!(fabs(particle) < 9.0e15) || (double)(int64_t)particle != particle) return 0;
    if (!(fabs(frame) <= 2147483647.0) || (double)(int64_t)frame != frame) return 0;
    if (isnan(x) || isnan(y) || c->kept >= c->capacity || (c->video && video < 0)) return 0;
    const int64_t k = c->kept;
    c->particle[k] = (int64_t)particle;
    c->frame[k] = (int32_t)(int64_t)frame;
    c->x[k] = x;
    c->y[k] = y;
    if (c->intensity) c->intensity[k] = values[role_intensity];
    if (c->video) c->video[k] = video;
    c->kept = k + 1;
    c->rows += 1;
    c->position = next;
    return 1;
}

/// One line at the cursor: a blank one skipped, or a row the fast path takes written (1); 0 (the cursor left at
/// the line) when the row needs the general parser. Each field's end comes from the separator masks, so that
/// the fields' numbers are read independently of one another: with `rowMask` (for a line starting at least 64
/// bytes before `end`), from one mask of the 64 bytes from the line's start, lowest bit first, so that no
/// field's end waits for the one before it either, and −1 when the needed fields run past those 64 bytes (the
/// line is then read without `rowMask`); without it, from the blocks' masks (``next_separator``).
static inline __attribute__((always_inline)) int line(const uint8_t *base, nta_row_cursor *c, separator_block *blocks,
                                                       const uint8_t *roles, int64_t lastNeeded, int64_t lastField,
                                                       uint8_t delimiter, const int rowMask) {
    const int64_t start = c->position, end = c->end;
    const int64_t blank = blank_line_length(base, start, end);
    if (blank) {
        c->position = start + blank;
        return 1;
    }
    uint64_t separators = rowMask ? separator_mask(base, start, end, delimiter) : 0;
    double values[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    // The video field's place (``nta_video_place``), −1 until one the fast path takes is read.
    int64_t video = -1;
    int64_t p = start, next;
    for (int64_t field = 0;; field++) {
        int64_t e;
        if (rowMask) {
            if (!separators) return -1;
            e = start + __builtin_ctzll(separators);
            separators &= separators - 1;
        } else {
            e = next_separator(base, blocks, p, end, delimiter);
        }
        const int atEnd = !rowMask && e >= end;
        const uint8_t separator = atEnd ? 0x0A : base[e];
        if (separator == 0x22) return 0;
        const uint8_t role = roles[field];
        if (role != role_none) {
            // "\r\n" ends a line as "\n" does: the '\r' is not the field's.
            const int64_t fieldEnd = !atEnd && separator == 0x0A && e > p && base[e - 1] == 0x0D ? e - 1 : e;
            if (__builtin_expect(role == role_video, 0)) {
                if (!video_field(base, p, fieldEnd, &video)) return 0;
            } else {
                double v;
                if (!field_value(base, p, fieldEnd, end, &v)) return 0;
                values[role] = v;
            }
        }
        if (atEnd) {
            if (field != lastNeeded) return 0;
            next = end;
            break;
        }
        if (separator == 0x0A) {
            if (field != lastNeeded) return 0;
            next = e + 1;
            break;
        }
        if (field == lastNeeded) {
            next = rest_of_line(base, blocks, start, separators, e, end, field, lastField, delimiter);
            if (next < 0) return 0;
            break;
        }
        p = e + 1;
    }
    return take_row(c, values, video, next);
}

int64_t nta_count_newlines(const uint8_t *base, int64_t from, int64_t to) {
    int64_t count = 0, i = from;
#if defined(__SSE2__)
    // Sixteen bytes at a time: each newline adds 1 to its byte lane (cmpeq gives −1), at most 255 times before
    // the lanes are summed (psadbw).
    const __m128i lf = _mm_set1_epi8(0x0A), zero = _mm_setzero_si128();
    while (i + 16 <= to) {
        __m128i lanes = zero;
        for (int words = 0; words < 255 && i + 16 <= to; words++, i += 16) {
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(base + i)), lf));
        }
        const __m128i sums = _mm_sad_epu8(lanes, zero);
        count += _mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
#endif
    for (; i < to; i++) count += base[i] == 0x0A;
    return count;
}

/// ``nta_parse_rows``'s body, compiled twice: for any x86-64 (or other) machine, and with AVX2, BMI1 and BMI2
/// (one-instruction variable shifts, trailing-zero counts and lowest-bit clears: the fast path 10–15 % faster,
/// parse_harness.c).
static inline __attribute__((always_inline)) int parse_rows(const uint8_t *base, nta_row_cursor *cursor,
                                                            const uint8_t *roles, int64_t lastNeeded,
                                                            int64_t lastField, uint8_t delimiter) {
    // The reader's delimiters (comma, tab, semicolon) never occur in a number; with any other delimiter this path
    // only skips blank lines and leaves every row to the general parser.
    if (!(delimiter == 0x2C || delimiter == 0x09 || delimiter == 0x3B)) {
        while (cursor->position < cursor->end) {
            const int64_t blank = blank_line_length(base, cursor->position, cursor->end);
            if (!blank) return 1;
            cursor->position += blank;
        }
        return 0;
    }
    separator_block blocks = {INT64_MIN / 2, 0};
    while (cursor->position < cursor->end) {
        if (cursor->position + 64 <= cursor->end) {
            const int taken = line(base, cursor, &blocks, roles, lastNeeded, lastField, delimiter, 1);
            if (taken == 1) continue;
            if (taken == 0) return 1;
        }
        if (!line(base, cursor, &blocks, roles, lastNeeded, lastField, delimiter, 0)) return 1;
    }
    return 0;
}

#if defined(__x86_64__)
__attribute__((target("avx2,bmi,bmi2"))) static int parse_rows_bmi2(const uint8_t *base, nta_row_cursor *cursor,
                                                                   const uint8_t *roles, int64_t lastNeeded,
                                                                   int64_t lastField, uint8_t delimiter) {
    return parse_rows(base, cursor, roles, lastNeeded, lastField, delimiter);
}
#endif

int nta_parse_rows_portable(const uint8_t *base, nta_row_cursor *cursor, const uint8_t *roles, int64_t lastNeeded,
                            int64_t lastField, uint8_t delimiter) {
    return parse_rows(base, cursor, roles, lastNeeded, lastField, delimiter);
}

int nta_parse_rows(const uint8_t *base, nta_row_cursor *cursor, const uint8_t *roles, int64_t lastNeeded,
                   int64_t lastField, uint8_t delimiter) {
#if defined(__x86_64__)
    if (nta_kernels_bit_manipulation()) return parse_rows_bmi2(base, cursor, roles, lastNeeded, lastField, delimiter);
#endif
    return nta_parse_rows_portable(base, cursor, roles, lastNeeded, lastField, delimiter);
}

int64_t nta_digit_run(const uint8_t *base, int64_t *i, int64_t end, uint64_t *significand) {
    return digit_run(base, i, end, significand);
}

int nta_plain_decimal(const uint8_t *base, int64_t start, int64_t end, uint8_t delimiter, double *value,
                      int64_t *after) {
    return plain_decimal(base, start, end, delimiter, value, after);
}

int nta_short_field(const uint8_t *base, int64_t start, int64_t length, double *value) {
    return length >= 1 && length <= 8 && short_field(base, start, length, value);
}
