/// Order statistics without a full sort.
package enum Selection {
    /// The `k`-th smallest (0-based) of `values`, which are reordered: the value `values.sorted()[k]` would give,
    /// in expected linear time (quickselect, Hoare partition around a median-of-three pivot) and at worst
    /// n log n (a sort of what is left after 2⌈log₂ n⌉ partition rounds). NaNs never make it read out of bounds;
    /// with NaNs present the result is some element of `values`.
    package static func kthSmallest(_ values: inout [Double], _ k: Int) -> Double {
        precondition(values.indices.contains(k), "k out of range: a programmer error")
        let limit = 2 * (Int.bitWidth - values.count.leadingZeroBitCount)
        return values.withUnsafeMutableBufferPointer { v -> Double in
            var lo = 0, hi = v.count - 1, rounds = 0
            while hi > lo {
                if rounds == limit {
                    v[lo...hi].sort()
                    return v[k]
                }
                rounds += 1
                let mid = lo + (hi - lo) / 2
                if v[mid] < v[lo] { v.swapAt(mid, lo) }
                if v[hi] < v[lo] { v.swapAt(hi, lo) }
                if v[hi] < v[mid] { v.swapAt(hi, mid) }
                let pivot = v[mid]
                var i = lo, j = hi
                while i <= j {
                    while i <= hi, v[i] < pivot { i += 1 }
                    while j >= lo, pivot < v[j] { j -= 1 }
                    if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
                }
                // Now v[lo...j] ≤ pivot ≤ v[i...hi], and every element strictly between j and i equals the pivot.
                if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
            }
            return v[k]
        }
    }
}
