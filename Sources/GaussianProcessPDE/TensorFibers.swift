/// Lines (fibers) of a tensor along one axis.
enum TensorFibers {
    /// Every fiber along `axis` of a tensor with dimensions `dims` (last axis fastest); with a
    /// mask, only the fibers whose entries all lie in the mask.
    static func lines(_ t: [Double], dims: [Int], axis: Int, where mask: [Bool]? = nil) -> [[Double]] {
        let fast = dims[(axis + 1)...].reduce(1, *)
        let slow = dims[..<axis].reduce(1, *)
        let n = dims[axis]
        var out: [[Double]] = []
        for s in 0..<slow {
            for f in 0..<fast {
                var line: [Double] = []
                var complete = true
                for i in 0..<n {
                    let idx = f + fast * (i + n * s)
                    if let mask, !mask[idx] { complete = false; break }
                    line.append(t[idx])
                }
                if complete { out.append(line) }
            }
        }
        return out
    }
}
