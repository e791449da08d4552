import Dispatch
import Foundation

/// Fork–join parallel loops over index ranges (GCD `concurrentPerform`), used by the kernels that
/// BLAS does not cover. The thread count is always an explicit argument: no global state.
public enum Parallel {
    /// Number of active processors on this machine (the default thread count of the solvers).
    public static var processorCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Splits `0..<count` into at most `threads` contiguous chunks and runs `body` on each chunk
    /// concurrently; runs inline when one chunk suffices or `count < minimumChunk · 2`.
    /// `body` must only write to memory that no other chunk touches.
    public static func forEachChunk(
        count: Int, threads: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let chunks = Swift.max(1, Swift.min(threads, count / Swift.max(minimumChunk, 1)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBox(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lower = count * c / chunks
                let upper = count * (c + 1) / chunks
                box.value(lower..<upper)
            }
        }
    }
}

/// Carries a non-`Sendable` value into a fork–join region whose tasks only touch disjoint memory.
/// The package's one `@unchecked Sendable`: `forEachChunk` takes a non-`Sendable` body, so its
/// callers capture their raw pointers directly and need no bundle of their own.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
