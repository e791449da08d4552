import Foundation

/// A minimal SVG line plot with optional logarithmic axes (decade ticks), for convergence figures.
struct SVGPlot {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var logX = false
    var logY = true
    var series: [Series] = []

    private static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    mutating func add(_ name: String, _ points: [(Double, Double)]) {
        series.append(Series(name: name, points: points.map { (x: $0.0, y: $0.1) }))
    }

    func render(width: Double = 720, height: Double = 440) -> String {
        let left = 80.0, right = 170.0, top = 40.0, bottom = 55.0
        let plotW = width - left - right, plotH = height - top - bottom
        func tx(_ v: Double) -> Double? { logX ? (v > 0 ? log10(v) : nil) : v }
        func ty(_ v: Double) -> Double? { logY ? (v > 0 ? log10(v) : nil) : v }
        let xs = series.flatMap { $0.points.compactMap { p in p.x.isFinite ? tx(p.x) : nil } }
        let ys = series.flatMap { $0.points.compactMap { p in p.y.isFinite ? ty(p.y) : nil } }
        var xMin = xs.min() ?? 0, xMax = xs.max() ?? 1, yMin = ys.min() ?? 0, yMax = ys.max() ?? 1
        if logY { yMin = floor(yMin); yMax = ceil(yMax) }
        if logX { xMin = floor(xMin); xMax = ceil(xMax) }
        if xMax <= xMin { xMax = xMin + 1 }
        if yMax <= yMin { yMax = yMin + 1 }
        func px(_ v: Double) -> Double { left + (v - xMin) / (xMax - xMin) * plotW }
        func py(_ v: Double) -> Double { top + (1 - (v - yMin) / (yMax - yMin)) * plotH }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>
        <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#333"/>

        """
        func ticks(_ lo: Double, _ hi: Double, _ isLog: Bool) -> [Double] {
            if isLog {
                let step = max(1, ((hi - lo) / 8).rounded(.up))
                return stride(from: lo, through: hi + 1e-9, by: step).map { $0 }
            }
            let raw = (hi - lo) / 6
            let mag = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            return stride(from: (lo / step).rounded(.up) * step, through: hi + 1e-12, by: step).map { $0 }
        }
        func label(_ v: Double, _ isLog: Bool) -> String {
            if isLog { return "1e\(Int(v.rounded()))" }
            return abs(v) >= 1e4 || (abs(v) < 1e-2 && v != 0) ? String(format: "%.1e", v) : String(format: "%g", v)
        }
        for t in ticks(xMin, xMax, logX) {
            let x = px(t)
            svg += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + plotH)\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(x)\" y=\"\(top + plotH + 16)\" text-anchor=\"middle\">\(label(t, logX))</text>\n"
        }
        for t in ticks(yMin, yMax, logY) {
            let y = py(t)
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotW)\" y2=\"\(y)\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(label(t, logY))</text>\n"
        }
        svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 14)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        svg += "<text x=\"18\" y=\"\(top + plotH / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + plotH / 2))\">\(esc(yLabel))</text>\n"
        for (k, s) in series.enumerated() {
            let color = Self.palette[k % Self.palette.count]
            let pts = s.points.compactMap { p -> String? in
                guard p.x.isFinite, p.y.isFinite, let x = tx(p.x), let y = ty(p.y) else { return nil }
                return String(format: "%.2f,%.2f", px(x), py(y))
            }
            if pts.count == 1 {
                let xy = pts[0].split(separator: ",")
                svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(color)\"/>\n"
            } else if !pts.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(pts.joined(separator: " "))\"/>\n"
            }
            let ly = top + 14 + Double(k) * 18
            svg += "<line x1=\"\(left + plotW + 12)\" y1=\"\(ly - 4)\" x2=\"\(left + plotW + 32)\" y2=\"\(ly - 4)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(left + plotW + 36)\" y=\"\(ly)\">\(esc(s.name))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }
}
