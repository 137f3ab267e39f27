extension RandomAccessCollection where Index == Int {
    /// The index of the first element that satisfies `belongsInSecondPartition`, or `endIndex` when none does, in a
    /// collection partitioned by it (every element that fails it precedes every element that satisfies it): the lower
    /// bound of a binary search, in ⌈log₂(n + 1)⌉ calls of the predicate.
    ///
    /// A sorted array's count below `t` is `sorted.partitioningIndex { !($0 < t) }`; the last element at or before `t`
    /// is at `sorted.partitioningIndex { $0 > t } - 1`. The predicate is only ever called on elements; an unpartitioned
    /// collection gives some index in `startIndex...endIndex`, never a trap.
    package func partitioningIndex(where belongsInSecondPartition: (Element) throws -> Bool) rethrows -> Int {
        var low = startIndex, count = self.count
        while count > 0 {
            let half = count / 2, middle = low + half
            if try belongsInSecondPartition(self[middle]) {
                count = half
            } else {
                low = middle + 1
                count -= half + 1
            }
        }
        return low
    }
}
