import Foundation
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// `bench linalg`: the physical limits of this machine and how close the wrappers come to them.
enum LinalgSuite {
    static func run(_ context: inout BenchContext) throws {
        print("\n== linalg ==")
        try dgemm(&context)
        bandwidth(&context)
        try expThroughput(&context)
        try logSumExp(&context)
        try factorizations(&context)
    }

    // MARK: dgemm through the checked wrapper and raw CBLAS on preallocated buffers

    static func dgemm(_ context: inout BenchContext) throws {
        var table = Table("dgemm: checked wrapper (BLAS.gemm on Matrix values) vs raw cblas_dgemm on preallocated buffers",
                          ["case", "method", "seconds", "GFLOP/s", "wrapper/raw"])
        var g = Xoshiro256StarStar(seed: context.seed)
        for n in [1024, 2048] {
            let caseName = "dgemm-n\(n)"
            Progress.log("linalg: \(caseName)")
            let a = Matrix.randomNormal(rows: n, columns: n, using: &g)
            let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
            var c = Matrix(rows: n, columns: n)
            let repeats = context.quick ? (n > 1024 ? 2 : 8) : (n > 1024 ? 8 : 20)
            // Interleave the two methods so that frequency drift affects both alike.
            var wrapperBest = Double.infinity, rawBest = Double.infinity
            let ap = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
            let bp = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
            let cp = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
            defer { ap.deallocate(); bp.deallocate(); cp.deallocate() }
            a.withUnsafeBufferPointer { ap.update(from: $0.baseAddress!, count: n * n) }
            b.withUnsafeBufferPointer { bp.update(from: $0.baseAddress!, count: n * n) }
            cp.initialize(repeating: 0, count: n * n)
            try BLAS.gemm(a, b, into: &c)   // warm-up (thread pool, page faults)
            UnsafeBLAS.gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: ap, lda: n, b: bp, ldb: n, beta: 0, c: cp, ldc: n)
            for _ in 0..<repeats {
                let w1 = Stopwatch()
                try BLAS.gemm(a, b, into: &c)
                wrapperBest = min(wrapperBest, w1.elapsed)
                let w2 = Stopwatch()
                UnsafeBLAS.gemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: ap, lda: n, b: bp, ldb: n, beta: 0, c: cp, ldc: n)
                rawBest = min(rawBest, w2.elapsed)
            }
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let ratio = (flops / wrapperBest) / (flops / rawBest)
            for (method, t) in [("wrapper", wrapperBest), ("raw", rawBest)] {
                let gf = flops / t / 1e9
                table.add([caseName, method, Fmt.seconds(t), Fmt.fixed(gf, 1), method == "wrapper" ? Fmt.ratio(ratio) : ""])
                context.add(Record(suite: "linalg", caseName: caseName, method: method, seconds: t, value: gf,
                                   baseline: "raw", extra: ["gflops": .number(gf), "n": .integer(n), "repeats": .integer(repeats),
                                                            "wrapperOverRaw": .number(ratio)]))
            }
        }
        table.print()
    }

    // MARK: streaming bandwidth

    static func bandwidth(_ context: inout BenchContext) {
        let bytes = context.quick ? (256 << 20) : (1 << 30)
        let n = bytes / 8
        Progress.log("linalg: stream-sum over \(bytes >> 20) MiB")
        let p = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { p.deallocate() }
        for i in 0..<n { p[i] = Double(i & 1023) }
        var sink = 0.0
        let simd = bestTime(repeats: 3) {
            var a0 = SIMD8<Double>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
            let raw = UnsafeRawPointer(p)
            var i = 0
            while i + 32 <= n {
                a0 += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
                a1 += raw.loadUnaligned(fromByteOffset: i * 8 + 64, as: SIMD8<Double>.self)
                a2 += raw.loadUnaligned(fromByteOffset: i * 8 + 128, as: SIMD8<Double>.self)
                a3 += raw.loadUnaligned(fromByteOffset: i * 8 + 192, as: SIMD8<Double>.self)
                i += 32
            }
            var s = ((a0 + a1) + (a2 + a3)).sum()
            while i < n { s += p[i]; i += 1 }
            sink += s
        }
        let scalar = bestTime(repeats: 2) {
            var s = 0.0
            for x in UnsafeBufferPointer(start: p, count: n) { s += x }
            sink += s
        }
        var table = Table("streaming sum over \(bytes >> 20) MiB, one core", ["case", "method", "seconds", "GB/s"])
        for (method, t) in [("simd", simd), ("scalar-loop", scalar)] {
            let gbs = Double(bytes) / t / 1e9
            table.add(["stream-sum", method, Fmt.seconds(t), Fmt.fixed(gbs, 1)])
            context.add(Record(suite: "linalg", caseName: "stream-sum", method: method, seconds: t, value: gbs,
                               baseline: "simd", extra: ["gbPerSecond": .number(gbs), "bytes": .integer(bytes), "checksum": .number(sink)]))
        }
        table.print()
    }

    // MARK: vectorized exp: throughput and accuracy

    static func expThroughput(_ context: inout BenchContext) throws {
        Progress.log("linalg: exp")
        let n = 1 << 20
        var g = Xoshiro256StarStar(seed: context.seed)
        let input = (0..<n).map { _ in -700 + 1400 * g.nextUniform() }
        var output = [Double](repeating: 0, count: n)
        let repeats = context.quick ? 5 : 20
        let simd = bestTime(repeats: repeats) {
            input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { VectorMath.exp(i, into: $0) } }
        }
        let flush = bestTime(repeats: repeats) {
            input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { VectorMath.expFlushingSubnormals(i, into: $0) } }
        }
        let libm = bestTime(repeats: repeats) {
            input.withUnsafeBufferPointer { i in
                output.withUnsafeMutableBufferPointer { o in for k in 0..<n { o[k] = Glibc.exp(i[k]) } }
            }
        }
        // The portable kernels, which CPUs without AVX2 + FMA run.
        let portable = try bestTime(repeats: repeats) {
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { try VectorMath.exp(i, into: $0, instructionSet: .portable) }
            }
        }
        // Accuracy over the whole range: a dense even grid on [−746, 710] plus [−1, 1].
        let samples = context.quick ? 2_000_000 : 8_000_000
        var xs = (0..<samples).map { -746 + 1456 * Double($0) / Double(samples - 1) }
        xs += (0..<(samples / 8)).map { -1 + 2 * Double($0) / Double(samples / 8 - 1) }
        let ys = VectorMath.exp(xs)
        var worstVsLibm = 0.0, worstVsExtended = 0.0, worstLibmVsExtended = 0.0, worstSubnormal = 0.0
        for (x, y) in zip(xs, ys) {
            let c = Glibc.exp(x)
            #if arch(x86_64)
            let ref = expl(Float80(x))
            #else
            let ref = c
            #endif
            if c >= Double.leastNormalMagnitude && c.isFinite {
                worstVsLibm = max(worstVsLibm, abs(y - c) / c.ulp)
                worstVsExtended = max(worstVsExtended, Double(abs(Float80(y) - Float80(ref)) / Float80(Double(ref).ulp)))
                worstLibmVsExtended = max(worstLibmVsExtended, Double(abs(Float80(c) - Float80(ref)) / Float80(Double(ref).ulp)))
            } else if c < Double.leastNormalMagnitude {
                worstSubnormal = max(worstSubnormal, abs(y - c) / Double.leastNonzeroMagnitude)
            }
        }
        let specials: [(Double, Double)] = [(-.infinity, 0), (.infinity, .infinity), (-800, 0), (800, .infinity),
                                            (709.79, .infinity), (-745.2, 0), (0, 1), (-0.0, 1)]
        let specialOut = VectorMath.exp(specials.map(\.0) + [.nan])
        let specialsOK = zip(specials, specialOut).allSatisfy { $0.0.1 == $0.1 } && specialOut.last!.isNaN
        let nsSimd = simd / Double(n) * 1e9, nsFlush = flush / Double(n) * 1e9, nsLibm = libm / Double(n) * 1e9
        var table = Table("exp over 2^20 doubles in [−700, 700]; accuracy on \(xs.count) points of [−746, 710]",
                          ["case", "method", "ns/element", "speed-up vs libm", "max ulp (normal) vs libm", "vs extended"])
        table.add(["exp", "simd", Fmt.fixed(nsSimd, 3), Fmt.ratio(libm / simd), Fmt.fixed(worstVsLibm, 3), Fmt.fixed(worstVsExtended, 3)])
        table.add(["exp", "simd-flush", Fmt.fixed(nsFlush, 3), Fmt.ratio(libm / flush), "(subnormals → 0)", ""])
        let nsPortable = portable / Double(n) * 1e9
        table.add(["exp", "simd-portable", Fmt.fixed(nsPortable, 3), Fmt.ratio(libm / portable), "(no AVX2)", ""])
        table.add(["exp", "libm", Fmt.fixed(nsLibm, 3), "1.00×", "0", Fmt.fixed(worstLibmVsExtended, 3)])
        table.print()
        print("special values (−inf→0, +inf, overflow→+inf, underflow→0, NaN→NaN): \(specialsOK ? "all correct" : "MISMATCH");"
              + " max error on subnormal results: \(Fmt.fixed(worstSubnormal, 2)) subnormal ulp")
        context.add(Record(suite: "linalg", caseName: "exp", method: "simd", seconds: simd, error: worstVsLibm, value: nil, baseline: "libm",
                           extra: ["nsPerElement": .number(nsSimd), "speedupVsLibm": .number(libm / simd),
                                   "maxUlpVsExtended": .number(worstVsExtended), "maxSubnormalUlp": .number(worstSubnormal),
                                   "specialValuesCorrect": .bool(specialsOK), "samples": .integer(xs.count)]))
        context.add(Record(suite: "linalg", caseName: "exp", method: "simd-flush", seconds: flush, error: nil, value: nil, baseline: "libm",
                           extra: ["nsPerElement": .number(nsFlush), "speedupVsLibm": .number(libm / flush)]))
        context.add(Record(suite: "linalg", caseName: "exp", method: "simd-portable", seconds: portable, error: nil, value: nil,
                           baseline: "libm", extra: ["nsPerElement": .number(nsPortable), "speedupVsLibm": .number(libm / portable)]))
        context.add(Record(suite: "linalg", caseName: "exp", method: "libm", seconds: libm, error: 0, value: nil, baseline: "libm",
                           extra: ["nsPerElement": .number(nsLibm), "maxUlpVsExtended": .number(worstLibmVsExtended)]))
    }

    // MARK: log-sum-exp passes against one dgemv over the same matrix

    static func logSumExp(_ context: inout BenchContext) throws {
        let n = 2000
        let caseName = "logsumexp-n\(n)"
        Progress.log("linalg: \(caseName)")
        var g = Xoshiro256StarStar(seed: context.seed)
        let c = Matrix.randomUniform(rows: n, columns: n, using: &g)
        let offsets = (0..<n).map { _ in 1200 * g.nextUniform() }
        var out = [Double](repeating: 0, count: n)
        let x = (0..<n).map { _ in g.nextUniform() }
        let repeats = context.quick ? 5 : 20
        let threads = context.threads
        let rows = bestTime(repeats: repeats) {
            c.withUnsafeBufferPointer { m in offsets.withUnsafeBufferPointer { o in out.withUnsafeMutableBufferPointer { r in
                LogSumExp.rows(rows: n, columns: n, matrix: m.baseAddress, scale: -1200, columnOffsets: o.baseAddress, into: r.baseAddress, threads: threads)
            } } }
        }
        let columns = bestTime(repeats: repeats) {
            c.withUnsafeBufferPointer { m in offsets.withUnsafeBufferPointer { o in out.withUnsafeMutableBufferPointer { r in
                LogSumExp.columns(rows: n, columns: n, matrix: m.baseAddress, scale: -1200, rowOffsets: o.baseAddress, into: r.baseAddress, threads: threads)
            } } }
        }
        let gemv = bestTime(repeats: repeats) {
            c.withUnsafeBufferPointer { m in x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { y in
                UnsafeBLAS.gemv(transpose: false, rows: n, columns: n, alpha: 1, a: m.baseAddress!, lda: n, x: xb.baseAddress!, beta: 0, y: y.baseAddress!)
            } } }
        }
        var table = Table("log-sum-exp over a \(n)×\(n) matrix (scale −1200, offsets) vs one dgemv over it, \(threads) thread(s)",
                          ["case", "method", "seconds", "time / dgemv", "GB/s"])
        for (method, t) in [("rows", rows), ("columns", columns), ("dgemv", gemv)] {
            let gbs = Double(8 * n * n) / t / 1e9
            table.add([caseName, method, Fmt.seconds(t), Fmt.ratio(t / gemv), Fmt.fixed(gbs, 1)])
            context.add(Record(suite: "linalg", caseName: caseName, method: method, seconds: t, value: nil, baseline: "dgemv",
                               extra: ["timeOverDgemv": .number(t / gemv), "gbPerSecond": .number(gbs), "n": .integer(n)]))
        }
        table.print()
    }

    // MARK: LAPACK factorizations

    static func factorizations(_ context: inout BenchContext) throws {
        let n = context.quick ? 512 : 1024
        Progress.log("linalg: factorizations n = \(n)")
        var g = Xoshiro256StarStar(seed: context.seed)
        let b = Matrix.randomNormal(rows: n, columns: n, using: &g)
        var spd = try b.multiplied(by: b, transposeOther: true)
        spd.addToDiagonal(Double(n))
        let sym = try b.adding(b.transposed)
        let tall = Matrix.randomNormal(rows: 4 * n, columns: n / 4, using: &g)
        let repeats = context.quick ? 1 : 3
        let nn = Double(n)
        let cases: [(String, Double, () throws -> Void)] = [
            ("cholesky", nn * nn * nn / 3, { _ = try Cholesky(spd) }),
            ("eigen-dsyevd", 4 * nn * nn * nn / 3 + 2 * nn * nn * nn, { _ = try SymmetricEigen(sym) }),
            ("qr-thin", 2 * Double(4 * n) * pow(Double(n / 4), 2) * 2, { _ = try QR(tall) }),
            ("svd-dgesdd", 0, { _ = try SVD(b) }),
        ]
        var table = Table("LAPACK factorizations (n = \(n); QR on \(4 * n)×\(n / 4))", ["case", "method", "seconds", "GFLOP/s (nominal)"])
        for (name, flops, body) in cases {
            let t = try bestTime(repeats: repeats, body)
            let gf = flops > 0 ? flops / t / 1e9 : nil
            table.add(["factor-n\(n)", name, Fmt.seconds(t), gf.map { Fmt.fixed($0, 1) } ?? "—"])
            context.add(Record(suite: "linalg", caseName: "factor-n\(n)", method: name, seconds: t, value: gf, baseline: nil,
                               extra: gf.map { ["gflops": .number($0)] } ?? [:]))
        }
        table.print()
    }
}
