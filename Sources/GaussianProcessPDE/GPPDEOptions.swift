/// How the kernel frequencies start.
public enum KernelInitialization: Sendable, Equatable {
    /// The reference code's start: μ evenly on `[0, F]` (F = `frequencyScale`), w = 1/Q, scale 1.
    case reference
    /// Data-driven: μ spread evenly on `±width` around the peaks of the source's periodogram
    /// (the source is known; for Δu = f it shares the solution's frequencies), w = 1/Q, scale 1.
    case periodogram(width: Double)
}

/// Model settings shared by the GP PDE solvers (defaults from the reference code unless noted).
public struct GPPDEOptions: Sendable {
    /// Kernel family (default GP-HM-GM).
    public var family: KernelFamily
    /// Mixture components per dimension (default 30).
    public var components: Int
    /// Jitter added to every Gram matrix, relative to `k(0)` at the start (default 1e-6).
    public var jitter: Double
    /// log τ1, the boundary noise precision (default 12; fixed in the fast solver — a free τ
    /// diverges because the objective rewards it).
    public var logTauBoundary: Double
    /// log τ2, the equation noise precision (default 12).
    public var logTauEquation: Double
    /// λ_b, the weight of the boundary term (default 200; the reference uses 500 for advection).
    public var boundaryWeight: Double
    /// Frequency initialization (default `.periodogram(width: 2)`).
    public var initialization: KernelInitialization
    /// F for the reference initialization (per problem in the paper).
    public var frequencyScale: Double
    /// The residual metric of the d-dimensional Kronecker solver (default `.euclidean`; the 1-D
    /// fast solver always uses the Euclidean norm, the paper's objective).
    public var residualMetric: ResidualMetric = .euclidean

    /// Settings; every default is listed on its property.
    public init(family: KernelFamily = .gaussianMixture, components: Int = 30, jitter: Double = 1e-6,
                logTauBoundary: Double = 12, logTauEquation: Double = 12, boundaryWeight: Double = 200,
                initialization: KernelInitialization = .periodogram(width: 2), frequencyScale: Double = 20) {
        self.family = family
        self.components = components
        self.jitter = jitter
        self.logTauBoundary = logTauBoundary
        self.logTauEquation = logTauEquation
        self.boundaryWeight = boundaryWeight
        self.initialization = initialization
        self.frequencyScale = frequencyScale
    }

    func validate() throws {
        guard components >= 1 else {
            throw GaussianProcessPDEError.invalidParameter(name: "components", value: Double(components), requirement: "Q must be at least 1")
        }
        for (name, v) in [("jitter", jitter), ("logTauBoundary", logTauBoundary), ("logTauEquation", logTauEquation),
                          ("boundaryWeight", boundaryWeight), ("frequencyScale", frequencyScale)] where !v.isFinite {
            throw GaussianProcessPDEError.invalidParameter(name: name, value: v, requirement: "must be finite")
        }
        guard jitter >= 0, boundaryWeight > 0 else {
            throw GaussianProcessPDEError.invalidParameter(name: "jitter/boundaryWeight", value: min(jitter, boundaryWeight), requirement: "jitter ≥ 0, weight > 0")
        }
        if case .periodogram(let w) = initialization, !(w > 0 && w.isFinite) {
            throw GaussianProcessPDEError.invalidParameter(name: "width", value: w, requirement: "must be positive")
        }
    }

    /// Candidate starting kernels for one axis, from the source values along that axis. For the
    /// periodogram start there are two: the source's peaks, and the same plus a group of
    /// components near frequency 0 — the source of Δu = f carries u's spectrum times ω², which
    /// can hide u's smooth part (a low-order polynomial, a boundary layer). Solvers keep the
    /// candidate with the lower objective (negative log joint), a model choice by the objective
    /// itself rather than by a threshold.
    func initialKernels(sourceAlongAxis f: [Double], spacing h: Double) throws -> [SpectralKernel] {
        try initialKernels(lines: [f], spacing: h)
    }

    /// As above, from several lines of source values along the axis (their periodograms summed).
    func initialKernels(lines: [[Double]], spacing h: Double) throws -> [SpectralKernel] {
        let q = components
        func kernel(_ mu: [Double]) throws -> SpectralKernel {
            try SpectralKernel(family: family, logWeights: [Double](repeating: -Foundation_log(Double(q)), count: q),
                               logScales: [Double](repeating: 0, count: q), frequencies: mu)
        }
        switch initialization {
        case .reference:
            return [try SpectralKernel.reference(family, components: q, maxFrequency: frequencyScale)]
        case .periodogram(let width):
            guard family.learnsFrequencies else { return [try kernel([Double](repeating: 0, count: q))] }
            let peaks = Periodogram.peaks(lines: lines, spacing: h)
            var out = [try kernel(Periodogram.frequencies(peaks: peaks, components: q, width: width))]
            if !peaks.contains(where: { $0 <= width }) {
                out.append(try kernel(Periodogram.frequencies(peaks: peaks + [0], components: q, width: width)))
            }
            return out
        }
    }
}

extension GPPDEOptions {
    /// The starting kernel of one axis of a d-dimensional problem: frequencies around the peaks of
    /// the summed periodograms of the source along that axis, together with the peaks of the
    /// boundary data along it (which carry the solution's spectrum when the source does not, as
    /// for advection's f = 0). Boundary lines whose values are all below 1e-8 in magnitude are
    /// ignored (round-off of a vanishing boundary has no meaningful spectrum).
    func initialKernel(sourceLines: [[Double]], boundaryLines: [[Double]], spacing h: Double) throws -> SpectralKernel {
        let q = components
        switch initialization {
        case .reference:
            return try SpectralKernel.reference(family, components: q, maxFrequency: frequencyScale)
        case .periodogram(let width):
            guard family.learnsFrequencies else {
                return try SpectralKernel(family: family, logWeights: [Double](repeating: -Foundation.log(Double(q)), count: q),
                                          logScales: [Double](repeating: 0, count: q), frequencies: [Double](repeating: 0, count: q))
            }
            var peaks: [Double] = []
            if sourceLines.contains(where: { $0.contains { $0 != 0 } }) { peaks = Periodogram.peaks(lines: sourceLines, spacing: h) }
            let live = boundaryLines.filter { $0.contains { abs($0) > 1e-8 } }
            if !live.isEmpty {
                for p in Periodogram.peaks(lines: live, spacing: h) where !peaks.contains(where: { abs($0 - p) <= width }) { peaks.append(p) }
            }
            if peaks.isEmpty { peaks = [0] }
            return try SpectralKernel(family: family, logWeights: [Double](repeating: -Foundation.log(Double(q)), count: q),
                                      logScales: [Double](repeating: 0, count: q),
                                      frequencies: Periodogram.frequencies(peaks: peaks, components: q, width: width))
        }
    }
}

extension GPPDEOptions {
    /// The starting kernel of every axis of a problem on a tensor grid (`initialKernel` per axis,
    /// from the source lines and the complete boundary lines along it).
    func startingKernels(grids: [Grid1D], data: GridData) throws -> [SpectralKernel] {
        let dims = grids.map(\.count)
        let f = data.source
        var gFull = [Double](repeating: 0, count: f.count)
        var onBoundary = [Bool](repeating: false, count: f.count)
        for (j, idx) in data.boundaryIndex.enumerated() {
            gFull[idx] = data.boundaryData[j]
            onBoundary[idx] = true
        }
        return try (0..<dims.count).map { k in
            try initialKernel(sourceLines: TensorFibers.lines(f, dims: dims, axis: k),
                              boundaryLines: TensorFibers.lines(gFull, dims: dims, axis: k, where: onBoundary), spacing: grids[k].spacing)
        }
    }
}


import Foundation
@inline(__always) func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
