import Foundation

/// A small, fast, deterministic random number generator (xoshiro256**),
/// seeded through SplitMix64 as its authors recommend.
///
/// The same seed gives the same stream on every platform and Swift version,
/// which is what makes simulations and bootstraps reproducible byte for byte.
/// Reference: Blackman & Vigna, "Scrambled linear pseudorandom number
/// generators", ACM TOMS 47 (2021).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64
    private var cachedGaussian: Double?

    /// Creates a generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(&sm)
        s1 = splitMix(&sm)
        s2 = splitMix(&sm)
        s3 = splitMix(&sm)
    }

    /// A generator for an independent sub-stream `index` of `seed`
    /// (e.g. one per video or per bootstrap worker).
    public init(seed: UInt64, stream index: UInt64) {
        self.init(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03) &+ index)
    }

    /// The next 64 random bits (xoshiro256**, Blackman & Vigna 2021).
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// x rotated left by k bits (0 < k < 64). Inlinable, as ``next()`` is, so that code inlining
    /// ``next()`` from another module makes no call for it.
    @inlinable @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in the open interval (0, 1): never exactly 0, so its
    /// logarithm is always finite.
    @inlinable
    public mutating func nextUniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal deviate (Box–Muller, both values used).
    public mutating func nextGaussian() -> Double {
        if let g = cachedGaussian {
            cachedGaussian = nil
            return g
        }
        let u1 = nextUniform()
        let u2 = nextUniform()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        cachedGaussian = r * sin(theta)
        return r * cos(theta)
    }

    /// A uniform integer in `0..<upperBound` (the standard library's `next(upperBound:)`, Lemire's method;
    /// inlinable, so that a loop of draws, e.g. a bootstrap replicate's, makes no call per draw).
    @inlinable
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0)
        return Int(next(upperBound: UInt64(upperBound)))
    }
}

