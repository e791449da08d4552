import Foundation

/// An aligned plain-text table for stdout.
struct Table {
    let title: String
    let headers: [String]
    var rows: [[String]] = []

    init(_ title: String, _ headers: [String]) {
        self.title = title
        self.headers = headers
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        var widths = headers.map(\.count)
        for r in rows { for (i, cell) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }
        var out = "\n" + title + "\n"
        out += line(headers) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in rows { out += line(r + Array(repeating: "", count: max(0, headers.count - r.count))) + "\n" }
        return out
    }

    func print() { Swift.print(render(), terminator: "") }
}

/// Number formatting helpers for tables.
enum Fmt {
    static func sci(_ x: Double?, _ digits: Int = 2) -> String {
        guard let x else { return "—" }
        if x.isNaN { return "nan" }
        return String(format: "%.\(digits)e", x)
    }
    static func fixed(_ x: Double?, _ digits: Int = 3) -> String {
        guard let x else { return "—" }
        return String(format: "%.\(digits)f", x)
    }
    static func int(_ x: Int?) -> String { x.map(String.init) ?? "—" }
    static func ratio(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "—" }
        return x >= 100 ? String(format: "%.0f×", x) : String(format: "%.2f×", x)
    }
    static func seconds(_ x: Double?) -> String {
        guard let x else { return "—" }
        if x < 1e-3 { return String(format: "%.1fµs", x * 1e6) }
        if x < 1 { return String(format: "%.2fms", x * 1e3) }
        return String(format: "%.2fs", x)
    }
}
