/// Errors thrown by the `KantorovichMPI` entry points; each says what was wrong and where.
///
/// A failure on one rank is made collective where the algorithms check their input: every rank
/// throws, the failing one its own error and the others ``peerFailed(rank:routine:)``, so no rank
/// is left waiting in a collective. A failure MPI itself reports is ``mpi(routine:code:message:)``.
public enum DistributedError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An MPI call returned an error code (the communicator returns errors instead of aborting).
    case mpi(routine: String, code: Int32, message: String)
    /// Another rank failed in a step every rank takes together; its own error names the cause.
    case peerFailed(rank: Int, routine: String)
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// The ranks' shards do not fit together (different column counts, sizes beyond MPI's counts).
    case shapeMismatch(String)

    /// A readable description.
    public var description: String {
        switch self {
        case let .mpi(routine, code, message): return "\(routine) failed with MPI error \(code): \(message)"
        case let .peerFailed(rank, routine): return "\(routine): rank \(rank) failed (its own error names the cause)"
        case let .invalidParameter(name, value, requirement): return "parameter \(name) = \(value) is invalid: \(requirement)"
        case let .shapeMismatch(detail): return "shards do not fit together: \(detail)"
        }
    }
}
