internal import CMPI
import Foundation
import LinearAlgebra

/// A group of MPI processes (ranks) and the collectives the distributed algorithms use.
///
/// The communicator is set to return MPI's error codes rather than abort, and every call turns
/// a code other than `MPI_SUCCESS` into ``DistributedError/mpi(routine:code:message:)``. Every
/// call is collective over the group unless it says otherwise: each rank must make the same
/// calls in the same order.
///
/// ``bytesSent`` counts the payload this rank hands to MPI for other ranks, call by call (see
/// each method for its count). It is the figure the scaling model in the documentation predicts;
/// the bytes on the wire depend on the collective algorithm Open MPI picks (a ring allreduce sends
/// about twice its payload) and are not counted.
///
/// Use from one thread: MPI is initialized with `MPI_THREAD_FUNNELED`, so the kernels may use
/// threads of their own but only the thread that initialized MPI may call it.
public final class Communicator {
    /// This process's rank, `0..<size`.
    public let rank: Int
    /// Number of ranks in the group.
    public let size: Int
    /// Payload bytes this rank has handed to MPI for other ranks since it was created (or since
    /// ``resetByteCount()``).
    public private(set) var bytesSent = 0
    let comm: MPI_Comm
    private var logSumExpOperation: MPI_Op?

    private init(comm: MPI_Comm) throws {
        self.comm = comm
        var r: Int32 = 0, s: Int32 = 0
        try Communicator.check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank")
        try Communicator.check(MPI_Comm_size(comm, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    deinit {
        var op: MPI_Op? = logSumExpOperation
        if op != nil, !Communicator.isFinalized { MPI_Op_free(&op) }
    }

    /// All the processes of the run (`MPI_COMM_WORLD`). Initializes MPI on first use
    /// (`MPI_Init_thread` with `MPI_THREAD_FUNNELED`) and makes the communicator return errors.
    /// A program started without `mpirun` is a run of one rank.
    /// - Throws: `DistributedError.mpi` when MPI cannot start or is already finalized.
    public static func world() throws -> Communicator {
        if isFinalized {
            throw DistributedError.mpi(routine: "Communicator.world", code: -1, message: "MPI was already finalized")
        }
        var initialized: Int32 = 0
        try check(MPI_Initialized(&initialized), "MPI_Initialized")
        if initialized == 0 {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, kmpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        let world = kmpi_comm_world()!
        try check(MPI_Comm_set_errhandler(world, kmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try Communicator(comm: world)
    }

    /// Whether MPI has been finalized in this process.
    public static var isFinalized: Bool {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        return finalized != 0
    }

    /// Ends MPI for this process (`MPI_Finalize`; collective over all processes). No communicator
    /// may be used afterwards.
    /// - Throws: `DistributedError.mpi`.
    public static func finalize() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        guard initialized != 0, !isFinalized else { return }
        try check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Runs `body` on every rank of the world and ends the process: with `body`'s exit code after
    /// `MPI_Finalize`, or — when `body` throws on any rank — with the error printed as
    /// `rank r of P: …` on standard error and `MPI_Abort`, which ends every rank of the run (so a
    /// rank that fails cannot leave the others waiting in a collective).
    public static func run(_ body: (Communicator) throws -> Int32) -> Never {
        let world: Communicator
        do {
            world = try Communicator.world()
        } catch {
            FileHandle.standardError.write(Data("MPI could not start: \(error)\n".utf8))
            exit(1)
        }
        do {
            let code = try body(world)
            try Communicator.finalize()
            exit(code)
        } catch {
            world.abort("\(error)")
        }
    }

    /// Prints `rank r of P: message` on standard error and ends every rank of the run
    /// (`MPI_Abort` with `code`). Not collective: any one rank may call it.
    public func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("rank \(rank) of \(size): \(message)\n".utf8))
        MPI_Abort(comm, code)
        exit(code)
    }

    /// Sets ``bytesSent`` back to zero (not collective).
    public func resetByteCount() { bytesSent = 0 }

    /// Waits until every rank has called it. Sends nothing counted.
    public func barrier() throws {
        try Communicator.check(MPI_Barrier(comm), "MPI_Barrier")
    }

    /// A reduction of `allreduce`.
    public enum Reduction: Sendable {
        /// Elementwise sum.
        case sum
        /// Elementwise maximum.
        case maximum
        /// Elementwise minimum.
        case minimum
        /// Elementwise `log Σ exp` of values that are logarithms (`−∞` is the identity); exactly
        /// symmetric, so every rank receives the same bits.
        case logSumExp
    }

    /// The elementwise reduction of every rank's `values` (all of the same length), on every rank.
    /// Counts `8 · values.count` bytes.
    /// - Throws: `DistributedError.mpi`, `.shapeMismatch` for more than `Int32.max` values.
    public func allreduce(_ values: [Double], _ reduction: Reduction) throws -> [Double] {
        let count = try Communicator.count(values.count, "allreduce")
        let op: MPI_Op
        switch reduction {
        case .sum: op = kmpi_op_sum()
        case .maximum: op = kmpi_op_max()
        case .minimum: op = kmpi_op_min()
        case .logSumExp: op = try logSumExp()
        }
        var out = [Double](repeating: 0, count: values.count)
        guard count > 0 else { return out }
        try values.withUnsafeBufferPointer { v in
            try out.withUnsafeMutableBufferPointer { o in
                try Communicator.check(MPI_Allreduce(v.baseAddress, o.baseAddress, count, kmpi_double(), op, comm), "MPI_Allreduce")
            }
        }
        bytesSent += 8 * values.count
        return out
    }

    /// The reduction of one value on every rank.
    public func allreduce(_ value: Double, _ reduction: Reduction) throws -> Double {
        try allreduce([value], reduction)[0]
    }

    private func logSumExp() throws -> MPI_Op {
        if let op = logSumExpOperation { return op }
        var op: MPI_Op?
        try Communicator.check(kmpi_create_log_sum_exp(&op), "MPI_Op_create")
        logSumExpOperation = op
        return op!
    }

    /// `root`'s `values` on every rank (the others' `values` are ignored; their lengths need not
    /// agree). The root counts `8 · (values.count + 1)` bytes (the length, then the values).
    /// - Throws: `DistributedError.mpi`, `.invalidParameter` for a root outside the group.
    public func broadcast(_ values: [Double], root: Int) throws -> [Double] {
        try checkRank(root, "root")
        var length = [Double(values.count)]
        try length.withUnsafeMutableBufferPointer { l in
            try Communicator.check(MPI_Bcast(l.baseAddress, 1, kmpi_double(), Int32(root), comm), "MPI_Bcast")
        }
        let n = Int(length[0])
        var out = rank == root ? values : [Double](repeating: 0, count: n)
        let count = try Communicator.count(n, "broadcast")
        if count > 0 {
            try out.withUnsafeMutableBufferPointer { o in
                try Communicator.check(MPI_Bcast(o.baseAddress, count, kmpi_double(), Int32(root), comm), "MPI_Bcast")
            }
        }
        if rank == root { bytesSent += 8 * (values.count + 1) }
        return out
    }

    /// Every rank's `values` (lengths may differ) at `root`, in rank order; nil on the other ranks.
    /// A rank other than the root counts `8 · (values.count + 1)` bytes (its length, its values).
    /// - Throws: `DistributedError.mpi`, `.invalidParameter` for a root outside the group.
    public func gather(_ values: [Double], root: Int) throws -> [[Double]]? {
        try checkRank(root, "root")
        let count = try Communicator.count(values.count, "gather")
        var counts = [Int32](repeating: 0, count: size)
        try withUnsafePointer(to: count) { c in
            try counts.withUnsafeMutableBufferPointer { cs in
                try Communicator.check(MPI_Gather(c, 1, kmpi_int(), cs.baseAddress, 1, kmpi_int(), Int32(root), comm), "MPI_Gather")
            }
        }
        let (displacements, total) = try Communicator.displacements(counts, "gather")
        var out = [Double](repeating: 0, count: rank == root ? total : 0)
        try values.withUnsafeBufferPointer { v in
            try out.withUnsafeMutableBufferPointer { o in
                try counts.withUnsafeBufferPointer { cs in
                    try displacements.withUnsafeBufferPointer { ds in
                        try Communicator.check(MPI_Gatherv(v.baseAddress, count, kmpi_double(), o.baseAddress, cs.baseAddress, ds.baseAddress,
                                                           kmpi_double(), Int32(root), comm), "MPI_Gatherv")
                    }
                }
            }
        }
        if rank != root { bytesSent += 8 * (values.count + 1) }
        guard rank == root else { return nil }
        return (0..<size).map { k in Array(out[Int(displacements[k])..<Int(displacements[k] + counts[k])]) }
    }

    /// Every rank's `values` (lengths may differ) on every rank, in rank order. Counts
    /// `8 · (values.count + 1)` bytes.
    /// - Throws: `DistributedError.mpi`.
    public func allgather(_ values: [Double]) throws -> [[Double]] {
        let count = try Communicator.count(values.count, "allgather")
        var counts = [Int32](repeating: 0, count: size)
        try withUnsafePointer(to: count) { c in
            try counts.withUnsafeMutableBufferPointer { cs in
                try Communicator.check(MPI_Allgather(c, 1, kmpi_int(), cs.baseAddress, 1, kmpi_int(), comm), "MPI_Allgather")
            }
        }
        let (displacements, total) = try Communicator.displacements(counts, "allgather")
        var out = [Double](repeating: 0, count: total)
        try values.withUnsafeBufferPointer { v in
            try out.withUnsafeMutableBufferPointer { o in
                try counts.withUnsafeBufferPointer { cs in
                    try displacements.withUnsafeBufferPointer { ds in
                        try Communicator.check(MPI_Allgatherv(v.baseAddress, count, kmpi_double(), o.baseAddress, cs.baseAddress, ds.baseAddress,
                                                              kmpi_double(), comm), "MPI_Allgatherv")
                    }
                }
            }
        }
        bytesSent += 8 * (values.count + 1)
        return (0..<size).map { k in Array(out[Int(displacements[k])..<Int(displacements[k] + counts[k])]) }
    }

    /// The personalized all-to-all exchange: `blocks[k]` goes to rank `k`; the result's entry `k`
    /// is what rank `k` sent here. Counts `8 · (size + Σ_{k ≠ rank} blocks[k].count)` bytes (the
    /// lengths, then the blocks for other ranks).
    /// - Throws: `DistributedError.mpi`, `.shapeMismatch` unless there is one block per rank.
    public func allToAll(_ blocks: [[Double]]) throws -> [[Double]] {
        guard blocks.count == size else {
            throw DistributedError.shapeMismatch("allToAll needs one block per rank (\(size)), got \(blocks.count)")
        }
        let sendCounts = try blocks.map { try Communicator.count($0.count, "allToAll") }
        var receiveCounts = [Int32](repeating: 0, count: size)
        try sendCounts.withUnsafeBufferPointer { s in
            try receiveCounts.withUnsafeMutableBufferPointer { r in
                try Communicator.check(MPI_Alltoall(s.baseAddress, 1, kmpi_int(), r.baseAddress, 1, kmpi_int(), comm), "MPI_Alltoall")
            }
        }
        let (sendDisplacements, _) = try Communicator.displacements(sendCounts, "allToAll")
        let (receiveDisplacements, total) = try Communicator.displacements(receiveCounts, "allToAll")
        let send = blocks.flatMap { $0 }
        var out = [Double](repeating: 0, count: total)
        try send.withUnsafeBufferPointer { sb in
            try out.withUnsafeMutableBufferPointer { ob in
                try sendCounts.withUnsafeBufferPointer { sc in
                    try sendDisplacements.withUnsafeBufferPointer { sd in
                        try receiveCounts.withUnsafeBufferPointer { rc in
                            try receiveDisplacements.withUnsafeBufferPointer { rd in
                                try Communicator.check(MPI_Alltoallv(sb.baseAddress, sc.baseAddress, sd.baseAddress, kmpi_double(),
                                                                     ob.baseAddress, rc.baseAddress, rd.baseAddress, kmpi_double(), comm),
                                                       "MPI_Alltoallv")
                            }
                        }
                    }
                }
            }
        }
        bytesSent += 8 * (size + blocks.enumerated().reduce(0) { $0 + ($1.offset == rank ? 0 : $1.element.count) })
        return (0..<size).map { k in Array(out[Int(receiveDisplacements[k])..<Int(receiveDisplacements[k] + receiveCounts[k])]) }
    }

    /// Sends `values` to rank `destination` (point to point, not collective; the destination must
    /// call ``receive(from:tag:)``). Counts `8 · (values.count + 1)` bytes.
    /// - Throws: `DistributedError.mpi`, `.invalidParameter` for a rank outside the group.
    public func send(_ values: [Double], to destination: Int, tag: Int32 = 0) throws {
        try checkRank(destination, "destination")
        var length = Double(values.count)
        let count = try Communicator.count(values.count, "send")
        try Communicator.check(MPI_Send(&length, 1, kmpi_double(), Int32(destination), tag, comm), "MPI_Send")
        if count > 0 {
            try values.withUnsafeBufferPointer { v in
                try Communicator.check(MPI_Send(v.baseAddress, count, kmpi_double(), Int32(destination), tag, comm), "MPI_Send")
            }
        }
        bytesSent += 8 * (values.count + 1)
    }

    /// Receives what rank `source` sent with ``send(_:to:tag:)`` and the same tag.
    /// - Throws: `DistributedError.mpi`, `.invalidParameter` for a rank outside the group.
    public func receive(from source: Int, tag: Int32 = 0) throws -> [Double] {
        try checkRank(source, "source")
        var length = 0.0
        try Communicator.check(MPI_Recv(&length, 1, kmpi_double(), Int32(source), tag, comm, kmpi_status_ignore()), "MPI_Recv")
        let n = Int(length)
        var out = [Double](repeating: 0, count: n)
        let count = try Communicator.count(n, "receive")
        if count > 0 {
            try out.withUnsafeMutableBufferPointer { o in
                try Communicator.check(MPI_Recv(o.baseAddress, count, kmpi_double(), Int32(source), tag, comm, kmpi_status_ignore()), "MPI_Recv")
            }
        }
        return out
    }

    /// Runs `body` on every rank and makes its failure collective: if it throws on any rank, it
    /// throws on every rank — the failing rank (the lowest, if several) its own error, the others
    /// ``DistributedError/peerFailed(rank:routine:)``. One allreduce of one value (8 bytes).
    public func agree<T>(_ routine: String, _ body: () throws -> T) throws -> T {
        var result: Result<T, any Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        let failing: Double
        if case .failure = result { failing = Double(rank) } else { failing = Double(size) }
        let first = try allreduce(failing, .minimum)
        switch result {
        case .success(let value):
            if first < Double(size) { throw DistributedError.peerFailed(rank: Int(first), routine: routine) }
            return value
        case .failure(let error):
            throw error
        }
    }

    /// Sums, extremes and log-sum-exps over the group, for the algorithm targets' shard-aware
    /// iterations.
    package var reductions: Reductions {
        Reductions(sum: { try self.allreduce($0, .sum) }, maximum: { try self.allreduce($0, .maximum) },
                   minimum: { try self.allreduce($0, .minimum) }, logSumExp: { try self.allreduce($0, .logSumExp) })
    }

    private func checkRank(_ value: Int, _ name: String) throws {
        guard value >= 0, value < size else {
            throw DistributedError.invalidParameter(name: name, value: Double(value), requirement: "must be a rank in 0..<\(size)")
        }
    }

    private static func count(_ n: Int, _ routine: String) throws -> Int32 {
        guard n <= Int(Int32.max) else {
            throw DistributedError.shapeMismatch("\(routine) of \(n) values exceeds MPI's 32-bit counts")
        }
        return Int32(n)
    }

    private static func displacements(_ counts: [Int32], _ routine: String) throws -> ([Int32], Int) {
        var displacements = [Int32](repeating: 0, count: counts.count)
        var total = 0
        for k in 0..<counts.count {
            displacements[k] = try count(total, routine)
            total += Int(counts[k])
        }
        _ = try count(total, routine)
        return (displacements, total)
    }

    static func check(_ code: Int32, _ routine: String) throws {
        guard code != kmpi_success() else { return }
        var buffer = [CChar](repeating: 0, count: Int(kmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw DistributedError.mpi(routine: routine, code: code, message: message)
    }
}
