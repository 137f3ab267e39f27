// The trajectory reader's fast path over delimited rows (see nta_kernels.h). NTARead's TrajectoryCSVReader
// gives each line this path does not take to its general parser, which decides what the row means or which
// error it is, and then resumes this path after it.

#include "nta_kernels.h"
#include <math.h>
#include <string.h>

enum { role_none = 0, role_particle = 1, role_frame = 2, role_x = 3, role_y = 4, role_intensity = 5 };

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

/// A plain decimal: an optional '-', at most 19 digits with an optional '.', at most 22 after it, their
/// integer below 2⁵³, ended by the delimiter, a newline, "\r\n" or `end`. Writes the value (Clinger's fast
/// path: the integer and 10ⁿ are exact doubles, one division, correctly rounded: NumberParsing.parseDouble's
/// value) and the index of the byte ending it (for "\r\n", the '\n'); 0 for anything else.
static inline __attribute__((always_inline)) int plain_decimal(const uint8_t *base, int64_t start, int64_t end,
                                                                uint8_t delimiter, double *value, int64_t *after) {
    int64_t i = start;
    int negative = 0;
    if (i < end && base[i] == 0x2D) {
        negative = 1;
        i += 1;
    }
    uint64_t significand = 0;
    int64_t digits = digit_run(base, &i, end, &significand);
    int64_t fractionDigits = 0;
    if (i < end && base[i] == 0x2E) {
        i += 1;
        fractionDigits = digit_run(base, &i, end, &significand);
        digits += fractionDigits;
    }
    if (!(digits > 0 && digits <= 19 && significand < (1ULL << 53) && fractionDigits <= 22)) return 0;
    if (i < end) {
        const uint8_t b = base[i];
        if (b == 0x0D) {
            if (!(i + 1 < end && base[i + 1] == 0x0A)) return 0;
            i += 1;
        } else if (b != delimiter && b != 0x0A) {
            return 0;
        }
    }
    double v = (double)significand;
    if (fractionDigits > 0) v /= exact_powers_of_ten[fractionDigits];
    *value = negative ? -v : v;
    *after = i;
    return 1;
}

/// One line at the cursor: a blank one skipped, or a row the fast path takes written; 0 (the cursor left
/// at the line) when the row needs the general parser.
static inline __attribute__((always_inline)) int line(const uint8_t *base, nta_row_cursor *c, const uint8_t *roles,
                                                       int64_t lastNeeded, uint8_t delimiter) {
    const int64_t start = c->position, end = c->end;
    if (base[start] == 0x0A) {
        c->position = start + 1;
        return 1;
    }
    if (base[start] == 0x0D && start + 1 < end && base[start + 1] == 0x0A) {
        c->position = start + 2;
        return 1;
    }
    double values[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    int64_t p = start, next;
    for (int64_t field = 0;; field++) {
        const uint8_t role = roles[field];
        if (role == role_none) {
            while (p < end) {
                const uint8_t b = base[p];
                if (b == delimiter || b == 0x0A) break;
                if (b == 0x22) return 0;
                p += 1;
            }
        } else {
            double v;
            if (!plain_decimal(base, p, end, delimiter, &v, &p)) return 0;
            values[role] = v;
        }
        // p is at the field's end: a delimiter, a newline or the range's end.
        if (p >= end) {
            if (field != lastNeeded) return 0;
            next = end;
            break;
        }
        if (base[p] == 0x0A) {
            if (field != lastNeeded) return 0;
            next = p + 1;
            break;
        }
        if (field == lastNeeded) {
            const void *hit = p + 1 < end ? memchr(base + p + 1, 0x0A, (size_t)(end - p - 1)) : NULL;
            next = (hit ? (const uint8_t *)hit - base : end) + 1;
            break;
        }
        p += 1;
    }
    const double particle = values[role_particle], frame = values[role_frame];
    const double x = values[role_x], y = values[role_y];
    // A missing or non-integral id or frame, a missing position, or no room: the general path's to judge.
    if (!(fabs(particle) < 9.0e15) || (double)(int64_t)particle != particle) return 0;
    if (!(fabs(frame) <= 2147483647.0) || (double)(int64_t)frame != frame) return 0;
    if (isnan(x) || isnan(y) || c->kept >= c->capacity) return 0;
    const int64_t k = c->kept;
    c->particle[k] = (int64_t)particle;
    c->frame[k] = (int32_t)(int64_t)frame;
    c->x[k] = x;
    c->y[k] = y;
    if (c->intensity) c->intensity[k] = values[role_intensity];
    c->kept = k + 1;
    c->rows += 1;
    c->position = next;
    return 1;
}

int nta_parse_rows(const uint8_t *base, nta_row_cursor *cursor, const uint8_t *roles, int64_t lastNeeded,
                   uint8_t delimiter) {
    while (cursor->position < cursor->end) {
        if (!line(base, cursor, roles, lastNeeded, delimiter)) return 1;
    }
    return 0;
}

int64_t nta_digit_run(const uint8_t *base, int64_t *i, int64_t end, uint64_t *significand) {
    return digit_run(base, i, end, significand);
}

int nta_plain_decimal(const uint8_t *base, int64_t start, int64_t end, uint8_t delimiter, double *value,
                      int64_t *after) {
    return plain_decimal(base, start, end, delimiter, value, after);
}
