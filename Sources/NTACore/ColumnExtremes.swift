/// The least and largest values of two columns of doubles (e.g. a table's x and y), NaNs never taken.
package enum ColumnExtremes {
    /// The least and largest x and y over `range` (each as `if v < least { least = v }` would find it; ±∞
    /// where the range holds no value of that column but NaNs): four values a step in four lanes (independent
    /// chains of compare-and-select, not one chain per element), then the lanes, then the elements past the last
    /// whole step. A bound is the same however the values are visited; only the sign of a zero bound could
    /// depend on the order.
    package static func bounds(_ xs: UnsafeBufferPointer<Double>, _ ys: UnsafeBufferPointer<Double>,
                               _ range: Range<Int>) -> (minX: Double, maxX: Double, minY: Double, maxY: Double) {
        var x0 = SIMD4<Double>(repeating: .infinity), x1 = SIMD4<Double>(repeating: -.infinity), y0 = x0, y1 = x1
        var i = range.lowerBound
        if let xBase = xs.baseAddress, let yBase = ys.baseAddress {
            let xr = UnsafeRawPointer(xBase), yr = UnsafeRawPointer(yBase)
            while i + 4 <= range.upperBound {
                let x = xr.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
                let y = yr.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
                x0.replace(with: x, where: x .< x0)
                x1.replace(with: x, where: x .> x1)
                y0.replace(with: y, where: y .< y0)
                y1.replace(with: y, where: y .> y1)
                i += 4
            }
        }
        var a = Double.infinity, b = -Double.infinity, c = Double.infinity, d = -Double.infinity
        for lane in 0..<4 {
            if x0[lane] < a { a = x0[lane] }
            if x1[lane] > b { b = x1[lane] }
            if y0[lane] < c { c = y0[lane] }
            if y1[lane] > d { d = y1[lane] }
        }
        while i < range.upperBound {
            if xs[i] < a { a = xs[i] }
            if xs[i] > b { b = xs[i] }
            if ys[i] < c { c = ys[i] }
            if ys[i] > d { d = ys[i] }
            i += 1
        }
        return (a, b, c, d)
    }
}
