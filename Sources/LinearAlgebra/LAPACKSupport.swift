internal import CLAPACK

/// Internal helpers shared by the LAPACK wrappers.
enum LAPACKSupport {
    /// LAPACKE scans every input for NaN by default; the wrappers validate once themselves
    /// (`Validate.finite`), so the scan is switched off the first time any wrapper runs. That is
    /// also when the user hears, once, if OpenBLAS runs generic kernels (`OpenBLAS.kernelDiagnostic`).
    static let configured: Void = {
        LAPACKE_set_nancheck(0)
        OpenBLAS.warnedOnce
    }()

    static let columnMajor = Int32(LAPACK_COL_MAJOR)

    static func char(_ c: Unicode.Scalar) -> CChar { CChar(truncatingIfNeeded: UInt8(ascii: c)) }

    /// Common entry checks: finite entries and 32-bit dimensions.
    static func check(_ a: Matrix, routine: String, argument: String = "matrix") throws {
        _ = configured
        try Validate.lapackIndex(a.rows, routine: routine, argument: "rows")
        try Validate.lapackIndex(a.columns, routine: routine, argument: "columns")
        try Validate.finite(a, routine: routine, argument: argument)
    }

    /// Maps a LAPACK `info < 0` (an invalid argument, which the wrappers should never produce)
    /// to an error.
    static func failure(_ routine: String, _ info: Int32) -> LinearAlgebraError {
        .lapackFailure(routine: routine, info: Int(info))
    }
}
