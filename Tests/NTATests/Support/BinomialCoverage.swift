import Foundation
import Testing

/// Exact binomial design of a coverage check over seeds.
///
/// A check "the interval covered the truth in at least `t` of `n` independent seeds" is a
/// one-sided binomial test. With X ~ Binomial(n, p) the number of seeds covered:
///
/// - a correct interval (coverage `nominal`, e.g. 0.95) must pass with probability ≥ `power`
///   (default 0.99): P(X ≥ t | n, nominal) ≥ 0.99;
/// - an interval covering only `alternative` (e.g. 0.85) must fail with probability ≥ 0.99:
///   P(X ≥ t | n, alternative) ≤ 0.01.
///
/// `threshold(n:nominal:)` is the largest `t` meeting the first condition (the strictest check a
/// correct interval still passes); `design(nominal:alternative:)` is the smallest `n` for which that
/// `t` also meets the second. For 95 % against 85 % that is n = 181, t = 165.
enum BinomialCoverage {
    /// P(X ≥ t) for X ~ Binomial(n, p), summed exactly in log space (lgamma) so that n in the
    /// hundreds loses no precision.
    static func upperTail(n: Int, p: Double, atLeast t: Int) -> Double {
        guard t > 0 else { return 1 }
        guard t <= n else { return 0 }
        let logP = log(p), logQ = log1p(-p)
        var sum = 0.0
        for k in t...n {
            let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
            sum += exp(logChoose + Double(k) * logP + Double(n - k) * logQ)
        }
        return min(sum, 1)
    }

    /// The largest `t` with P(X ≥ t | n, nominal) ≥ `power`: a correct interval passes
    /// "covered ≥ t of n" with probability at least `power`.
    static func threshold(n: Int, nominal: Double, power: Double = 0.99) -> Int {
        var t = n
        while t > 0 && upperTail(n: n, p: nominal, atLeast: t) < power { t -= 1 }
        return t
    }

    /// The smallest number of seeds `n` (and its threshold `t`) such that a correct interval passes
    /// with probability ≥ `power` and one covering only `alternative` fails with probability ≥ `power`.
    static func design(nominal: Double, alternative: Double, power: Double = 0.99) -> (seeds: Int, threshold: Int) {
        var n = 1
        while true {
            let t = threshold(n: n, nominal: nominal, power: power)
            if upperTail(n: n, p: alternative, atLeast: t) <= 1 - power { return (n, t) }
            n += 1
        }
    }
}

@Suite struct BinomialCoverageTests {
    /// Tail values worked by hand from C(n,k) pᵏ qⁿ⁻ᵏ.
    @Test func tailsMatchHandComputedValues() {
        // n = 20, p = 0.95: P(20) = 0.95²⁰ = 0.358486, P(19) = 20·0.95¹⁹·0.05 = 0.377354,
        // P(18) = 190·0.95¹⁸·0.05² = 0.188677; P(X ≥ 18) = 0.924516 (the old "18 of 20" check fails a
        // correct interval 7.5 % of the time).
        #expect(abs(BinomialCoverage.upperTail(n: 20, p: 0.95, atLeast: 20) - 0.358486) < 1e-6)
        #expect(abs(BinomialCoverage.upperTail(n: 20, p: 0.95, atLeast: 19) - 0.735840) < 1e-6)
        #expect(abs(BinomialCoverage.upperTail(n: 20, p: 0.95, atLeast: 18) - 0.924516) < 1e-6)
        // n = 4, p = 1/2: P(X ≥ 3) = (4 + 1)/16 = 0.3125 exactly.
        #expect(abs(BinomialCoverage.upperTail(n: 4, p: 0.5, atLeast: 3) - 0.3125) < 1e-12)
        #expect(BinomialCoverage.upperTail(n: 4, p: 0.5, atLeast: 0) == 1)
        #expect(BinomialCoverage.upperTail(n: 4, p: 0.5, atLeast: 5) == 0)
        // n = 10, p = 0.95: P(X ≥ 9) = 0.95¹⁰ + 10·0.95⁹·0.05 = 0.598737 + 0.315125 = 0.913862.
        #expect(abs(BinomialCoverage.upperTail(n: 10, p: 0.95, atLeast: 9) - 0.913862) < 1e-6)
    }

    @Test func thresholdAndDesign() {
        // n = 20: P(X ≥ 17 | 0.95) = 0.924516 + C(20,17)·0.95¹⁷·0.05³ = 0.924516 + 1140·0.418120·1.25e-4
        // = 0.924516 + 0.059582 = 0.984098 < 0.99, and P(X ≥ 16) = 0.984098 + 4845·0.440127·6.25e-6 = 0.997426,
        // so the strictest "t of 20" a correct interval passes 99 % of the time is 16.
        #expect(BinomialCoverage.threshold(n: 20, nominal: 0.95) == 16)
        let d = BinomialCoverage.design(nominal: 0.95, alternative: 0.85)
        #expect(d.seeds == 181 && d.threshold == 165, "\(d)")
        #expect(BinomialCoverage.upperTail(n: 181, p: 0.95, atLeast: 165) >= 0.99)
        #expect(BinomialCoverage.upperTail(n: 181, p: 0.85, atLeast: 165) <= 0.01)
        // One seed fewer cannot do both.
        let t180 = BinomialCoverage.threshold(n: 180, nominal: 0.95)
        #expect(BinomialCoverage.upperTail(n: 180, p: 0.85, atLeast: t180) > 0.01)
    }
}

/// One seed's check of an interval against the truth, in place of "the interval covers the truth" (a single
/// seed is no coverage test: a correct 95 % interval misses 1 seed in 20). The interval's standard error is
/// read from its width, s = (upper − lower)/(2 z₀.₉₇₅), z₀.₉₇₅ = 1.959964; a correct interval puts the truth
/// more than 4 s from the estimate with probability 2·(1 − Φ(4)) = 6·10⁻⁵, while an interval more than
/// about twice too narrow fails most seeds. Coverage itself is measured over seeds (``BinomialCoverage``,
/// Benchmarks' ConcentrationStudies).
enum IntervalCheck {
    /// z₀.₉₇₅ of the standard normal (Abramowitz & Stegun 26.2).
    static let z975 = 1.959964

    /// The standard error a two-sided 95 % interval implies.
    static func standardError(lower: Double, upper: Double) -> Double { (upper - lower) / (2 * z975) }

    /// The binomial standard error √(f(1 − f)/n) of a fraction of n independent particles.
    static func binomialStandardError(fraction f: Double, count n: Double) -> Double { (f * (1 - f) / n).squareRoot() }
}
