import Foundation
import LinearAlgebra
import XCTest

/// Reference data produced by `Fixtures/generate.py` (NumPy / SciPy / POT), located relative to
/// the package root so tests run from any working directory.
public enum Fixture {
    /// The package root, found from this file's path (`Tests/TestSupport/Support.swift`).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Parses `Fixtures/<name>` as a JSON object.
    public static func load(_ name: String) throws -> [String: Any] {
        let url = packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError.malformed(name)
        }
        return object
    }

    public enum FixtureError: Error { case malformed(String), missing(String) }
}

extension Dictionary where Key == String, Value == Any {
    /// A nested object.
    public func object(_ key: String) throws -> [String: Any] {
        guard let v = self[key] as? [String: Any] else { throw Fixture.FixtureError.missing(key) }
        return v
    }
    /// A number.
    public func double(_ key: String) throws -> Double {
        guard let v = self[key] as? NSNumber else { throw Fixture.FixtureError.missing(key) }
        return v.doubleValue
    }
    /// An integer.
    public func int(_ key: String) throws -> Int {
        guard let v = self[key] as? NSNumber else { throw Fixture.FixtureError.missing(key) }
        return v.intValue
    }
    /// A list of numbers.
    public func vector(_ key: String) throws -> [Double] {
        guard let v = self[key] as? [NSNumber] else { throw Fixture.FixtureError.missing(key) }
        return v.map(\.doubleValue)
    }
    /// A matrix stored as a list of rows.
    public func matrix(_ key: String) throws -> Matrix {
        guard let v = self[key] as? [[NSNumber]] else { throw Fixture.FixtureError.missing(key) }
        return try Matrix(rowsOf: v.map { $0.map(\.doubleValue) })
    }
}

/// Largest absolute entrywise difference.
public func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "maxDifference: lengths differ")
    return zip(a, b).reduce(0) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
}

/// Largest absolute entrywise difference of two equally shaped matrices.
public func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns, "maxDifference: shapes differ")
    return maxDifference(a.elements, b.elements)
}

/// Asserts that two vectors agree entrywise within `tolerance`.
public func assertClose(_ a: [Double], _ b: [Double], tolerance: Double, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length " + message, file: file, line: line)
    guard a.count == b.count else { return }
    let d = maxDifference(a, b)
    XCTAssertLessThanOrEqual(d, tolerance, "max difference \(d) " + message, file: file, line: line)
}

/// Asserts that `body` throws an error whose description contains every fragment given — a check
/// that the message says what was wrong and where.
public func assertThrows<T>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
    } catch {
        let text = String(describing: error)
        for f in fragments where !text.contains(f) {
            XCTFail("error \"\(text)\" does not mention \"\(f)\"", file: file, line: line)
        }
    }
}

/// A minimal property-based test driver: runs `body` on `cases` independent seeded generators and
/// reports the failing case's seed so it can be replayed with `forAll(seed:cases: 1)`.
public func forAll(cases: Int = 100, seed: UInt64 = 0x5EED, file: StaticString = #filePath, line: UInt = #line,
                   _ body: (_ generator: inout Xoshiro256StarStar, _ caseIndex: Int) throws -> Void) {
    for c in 0..<cases {
        var g = Xoshiro256StarStar(seed: seed &+ UInt64(c))
        do {
            try body(&g, c)
        } catch {
            XCTFail("property failed for case \(c) (seed \(seed &+ UInt64(c))): \(error)", file: file, line: line)
            return
        }
    }
}

extension RandomNumberGenerator {
    /// A uniform integer in `range` (test helper).
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    /// A uniform double in `range` (test helper).
    public mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUniform()
    }
}
