import Foundation

/// Data-driven frequency initialization: the peaks of the periodogram of the source `f` on the
/// grid (the source is known; for Δu = f its spectrum shares the solution's frequencies). Each
/// peak gets an even share of the `Q` components spread over `±width` around it.
enum Periodogram {
    /// Peak frequencies (cycles per unit length) of `values` sampled with spacing `h`, strongest
    /// first (at most `maxPeaks`, each at least `threshold` × the strongest power). The mean counts
    /// as a peak at frequency 0.
    static func peaks(_ values: [Double], spacing h: Double, maxPeaks: Int = 3, threshold: Double = 1e-3) -> [Double] {
        peaks(lines: [values], spacing: h, maxPeaks: maxPeaks, threshold: threshold)
    }

    /// Peaks of the summed periodograms of several lines of samples (e.g. the rows of a 2-D
    /// source along one axis).
    static func peaks(lines: [[Double]], spacing h: Double, maxPeaks: Int = 3, threshold: Double = 1e-3) -> [Double] {
        let n = lines[0].count
        let half = n / 2
        var power = [Double](repeating: 0, count: half + 1)
        var cosTable = [Double](repeating: 0, count: n), sinTable = cosTable
        for i in 0..<n { cosTable[i] = cos(2 * Double.pi * Double(i) / Double(n)); sinTable[i] = sin(2 * Double.pi * Double(i) / Double(n)) }
        for values in lines {
            for k in 0...half {
                var re = 0.0, im = 0.0
                for (i, v) in values.enumerated() {
                    let idx = (i * k) % n
                    re += v * cosTable[idx]
                    im -= v * sinTable[idx]
                }
                power[k] += re * re + im * im
            }
        }
        let top = power.max() ?? 0
        guard top > 0 else { return [0] }
        var candidates: [(Double, Int)] = []
        for k in 0...half {
            let left = k > 0 ? power[k - 1] : -1, right = k < half ? power[k + 1] : -1
            if power[k] >= left && power[k] >= right && power[k] >= threshold * top { candidates.append((power[k], k)) }
        }
        candidates.sort { $0.0 > $1.0 }
        let resolution = 1 / (Double(n) * h)
        return candidates.prefix(maxPeaks).map { Double($0.1) * resolution }
    }

    /// `Q` frequencies: for each peak, an even share placed evenly on `[peak − width, peak + width]`
    /// (clipped at 0).
    static func frequencies(peaks: [Double], components q: Int, width: Double) -> [Double] {
        guard !peaks.isEmpty else { return [Double](repeating: 0, count: q) }
        var out: [Double] = []
        for (i, p) in peaks.enumerated() {
            let share = q / peaks.count + (i < q % peaks.count ? 1 : 0)
            for j in 0..<share {
                let t = share == 1 ? 0.5 : Double(j) / Double(share - 1)
                out.append(max(0, p - width + 2 * width * t))
            }
        }
        return out
    }
}
