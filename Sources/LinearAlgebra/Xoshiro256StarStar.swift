/// xoshiro256** 1.0 (Blackman and Vigna 2018): the package's seeded generator. Fast, 256 bits of
/// state, period 2^256 − 1, and a `jump()` that advances 2^128 steps for independent parallel
/// streams. The same seed gives the same numbers on every machine and Swift version (the standard
/// library's `SystemRandomNumberGenerator` is not seedable).
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    /// The four state words.
    public internal(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the state with four outputs of `SplitMix64(seed:)` (the seeding its authors recommend).
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        state = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// The generator for stream `stream` of `seed`: the seeded generator advanced by `stream`
    /// jumps of 2^128 steps, so streams never overlap in practice. Use one stream per parallel task.
    public init(seed: UInt64, stream: Int) {
        self.init(seed: seed)
        for _ in 0..<Swift.max(0, stream) { jump() }
    }

    /// A generator with an explicit state.
    /// - Throws: `LinearAlgebraError.invalidArgument` for the all-zero state (a fixed point).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) throws {
        guard state.0 | state.1 | state.2 | state.3 != 0 else {
            throw LinearAlgebraError.invalidArgument(
                routine: "Xoshiro256StarStar", argument: "state", reason: "must not be all zero")
        }
        self.state = state
    }

    /// Two generators are equal when their states are.
    public static func == (a: Self, b: Self) -> Bool {
        a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2 && a.state.3 == b.state.3
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Advances the state by 2^128 steps (equivalent to 2^128 calls of `next()`).
    public mutating func jump() {
        applyJump([0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C])
    }

    /// Advances the state by 2^192 steps.
    public mutating func longJump() {
        applyJump([0x76E1_5D3E_FEFD_CBBF, 0xC500_4E44_1C52_2FB3, 0x7771_0069_854E_E241, 0x3910_9BB0_2ACB_E635])
    }

    private mutating func applyJump(_ polynomial: [UInt64]) {
        var s0: UInt64 = 0, s1: UInt64 = 0, s2: UInt64 = 0, s3: UInt64 = 0
        for word in polynomial {
            for b in 0..<64 {
                if word & (UInt64(1) << UInt64(b)) != 0 {
                    s0 ^= state.0; s1 ^= state.1; s2 ^= state.2; s3 ^= state.3
                }
                _ = next()
            }
        }
        state = (s0, s1, s2, s3)
    }

    /// `count` generators for parallel work: the first is this seed's stream 0, each next one is
    /// the previous advanced by `jump()`.
    public static func streams(seed: UInt64, count: Int) -> [Xoshiro256StarStar] {
        var g = Xoshiro256StarStar(seed: seed)
        var result: [Xoshiro256StarStar] = []
        result.reserveCapacity(Swift.max(0, count))
        for _ in 0..<Swift.max(0, count) {
            result.append(g)
            g.jump()
        }
        return result
    }
}
