import Dispatch
import Foundation
import NTACore

/// Per-track likelihoods on a ``DiameterGrid``, pooled: one row per distinct
/// track summary, each row normalised to a maximum of 1 (its log scale kept),
/// stored as `Float` in SIMD-8 blocks for a fast E-step: only each row's band of
/// non-zero blocks, rows one after another, so a pass over the rows reads one stream.
///
/// Also keeps, per row, how many tracks share it and their total frames, and
/// the row of every track (for bootstrap resampling over tracks).
public struct LikelihoodMatrix: Sendable {
    /// The grid the rows are evaluated on.
    public let grid: DiameterGrid
    /// Distinct likelihood rows.
    public let rowCount: Int
    /// SIMD-8 blocks per row (grid nodes padded with zeros to a multiple of 8).
    let blocks: Int
    /// The rows' bands of normalised likelihoods, row after row: row j's block b
    /// (`rowBlocks[2j] ≤ b < rowBlocks[2j + 1]`) is `values[rowOffsets[j] + b − rowBlocks[2j]]`.
    let values: AlignedBlocks
    /// Where each row's band starts in ``values`` (blocks).
    let rowOffsets: [Int64]
    /// ln of each row's maximum likelihood (the normalisation removed).
    let rowLogScale: [Double]
    /// Blocks `rowBlocks[2j] ..< rowBlocks[2j + 1]` hold row j's non-zero entries.
    let rowBlocks: [Int32]
    /// Number of tracks sharing each row.
    public let rowTrackCount: [Double]
    /// Total frames (weights for the number distribution) of the tracks sharing each row.
    public let rowFrames: [Double]
    /// Row of each track.
    public let trackRow: [Int32]
    /// Frames of each track.
    public let trackFrames: [Double]

    /// Number of tracks.
    public var trackCount: Int { trackRow.count }

    /// Σ frames·v over each row's tracks, for a per-track quantity v (one per track).
    func rowFramesTimes(_ values: [Double]) -> [Double] {
        precondition(values.count == trackCount, "one value per track: a programmer error")
        var out = [Double](repeating: 0, count: rowCount)
        for t in 0..<trackCount { out[Int(trackRow[t])] += trackFrames[t] * values[t] }
        return out
    }

    /// Over the rows' bands of b blocks: Σb (the blocks an E-step reads) and Σb(b + 1) (twice the block pairs a
    /// curvature multiplies), in one pass.
    private var bandSums: (blocks: Int, pairs: Double) {
        var blocks = 0, pairs = 0.0
        for r in 0..<rowCount {
            let b = Int(rowBlocks[2 * r + 1] - rowBlocks[2 * r])
            blocks += b
            pairs += Double(b) * Double(b + 1)
        }
        return (blocks, pairs)
    }

    /// Bytes an E-step reads from the rows: their non-zero blocks.
    var bandBytes: Int { bandSums.blocks * MemoryLayout<SIMD8<Float>>.stride }

    /// What one curvature (``PenalisedEM/negativeHessian(at:lambda:weights:)``) costs in E-steps, from the
    /// rows' bands: a row of b blocks takes b(b + 1)/2 products of two 8-node blocks (64 multiply–adds each)
    /// there and 2b products of a block with a vector (8 each) in an E-step, so the ratio is
    /// 2·Σb(b + 1)/Σb. Counted on the data only (machine-independent); an upper bound, since the curvature
    /// skips each row's negligible tails. At least 1.
    var curvatureCostInEvaluations: Int {
        let sums = bandSums
        guard sums.blocks > 0 else { return 1 }
        return max(1, Int((2 * sums.pairs / Double(sums.blocks)).rounded()))
    }

    /// Row j's likelihood at grid node i (normalised; 0 outside the row's band).
    func value(row j: Int, node i: Int) -> Float {
        let b = i / 8, lo = Int(rowBlocks[2 * j]), hi = Int(rowBlocks[2 * j + 1])
        return b >= lo && b < hi ? values[Int(rowOffsets[j]) + b - lo][i % 8] : 0
    }

    /// The same rows, each band narrowed to the blocks holding a term Lⱼₘpₘ above e^`logRatio` (< 0) of the
    /// row's largest term at grid weights `p` (rows without a positive term keep their band). For E-steps
    /// at weights near `p` (bootstrap replicates of the fit at `p`): with `logRatio` = −30 the terms left
    /// out sum to under 200·e⁻³⁰ ≈ 2·10⁻¹¹ of each row's total, far below the Float sums' rounding (10⁻⁷),
    /// even where a replicate's weights move a million-fold from `p`. The values are shared, not copied.
    func trimmed(at p: [Double], logRatio: Double) -> LikelihoodMatrix {
        precondition(p.count == grid.count && logRatio < 0, "weights on the grid, a negative log-ratio: a programmer error")
        var bands = rowBlocks, offsets = rowOffsets
        let m = grid.count, cut = exp(logRatio)
        // Rows are trimmed independently: chunks of rows on all cores, each writing its own rows' entries.
        bands.withUnsafeMutableBufferPointer { bandsBuffer in
            offsets.withUnsafeMutableBufferPointer { offsetsBuffer in
                let bandsOut = SendableBuffer(base: bandsBuffer), offsetsOut = SendableBuffer(base: offsetsBuffer)
                _ = Parallel.mapChunks(count: rowCount, minimumChunk: 4096) { rows -> Int in
                    // Each row's terms in a scratch row, computed once for both scans.
                    var terms = [Double](repeating: 0, count: 8 * blocks)
                    values.withUnsafeBufferPointer { stored in
                        for j in rows {
                            let lo = Int(rowBlocks[2 * j]), hi = Int(rowBlocks[2 * j + 1])
                            guard hi > lo else { continue }
                            let base = Int(rowOffsets[j]) - lo, end = min(8 * hi, m)
                            var top = 0.0
                            for i in (8 * lo)..<end {
                                terms[i] = Double(stored[base + i / 8][i % 8]) * p[i]
                                top = max(top, terms[i])
                            }
                            guard top > 0 else { continue }
                            var first = -1, last = -1
                            for i in (8 * lo)..<end where terms[i] > cut * top {
                                if first < 0 { first = i }
                                last = i
                            }
                            bandsOut.base[2 * j] = Int32(first / 8)
                            bandsOut.base[2 * j + 1] = Int32(last / 8 + 1)
                            offsetsOut.base[j] = rowOffsets[j] + Int64(first / 8 - lo)
                        }
                    }
                    return 0
                }
            }
        }
        return LikelihoodMatrix(self, rowBlocks: bands, rowOffsets: offsets)
    }

    /// `matrix` with other bands over the same stored values.
    private init(_ matrix: LikelihoodMatrix, rowBlocks: [Int32], rowOffsets: [Int64]) {
        grid = matrix.grid
        rowCount = matrix.rowCount
        blocks = matrix.blocks
        values = matrix.values
        rowLogScale = matrix.rowLogScale
        self.rowBlocks = rowBlocks
        self.rowOffsets = rowOffsets
        rowTrackCount = matrix.rowTrackCount
        rowFrames = matrix.rowFrames
        trackRow = matrix.trackRow
        trackFrames = matrix.trackFrames
    }

    /// Evaluates `model` for every distinct summary on `grid`.
    ///
    /// - Parameters:
    ///   - framesPerTrack: the time each track was in view, in frames (its
    ///     number of localisations, or its frame span with gaps), used to
    ///     turn track weights into the sample's number distribution.
    ///   - diffusionNm2PerS: D of every grid node, nm²/s (``DiameterGrid/diffusionNm2PerS(temperatureCelsius:viscosityMillipascalSeconds:)``).
    public init<Model: TrackLikelihoodModel>(model: Model, framesPerTrack: [Int], grid: DiameterGrid,
                                             diffusionNm2PerS: [Double]) {
        precondition(framesPerTrack.count == model.trackCount && diffusionNm2PerS.count == grid.count)
        self.grid = grid
        let n = model.trackCount
        var index: [Model.Summary: Int32] = [:]
        index.reserveCapacity(min(n, 1 << 16))
        var summaries: [Model.Summary] = []
        var trackRow = [Int32](repeating: 0, count: n)
        var counts: [Double] = [], frames: [Double] = []
        for t in 0..<n {
            let s = model.summary(ofTrack: t)
            if let r = index[s] {
                trackRow[t] = r
                counts[Int(r)] += 1
                frames[Int(r)] += Double(framesPerTrack[t])
            } else {
                let r = Int32(summaries.count)
                index[s] = r
                summaries.append(s)
                trackRow[t] = r
                counts.append(1)
                frames.append(Double(framesPerTrack[t]))
            }
        }
        let j = summaries.count, m = grid.count
        let blocks = (m + 7) / 8
        self.rowCount = j
        self.blocks = blocks
        self.trackRow = trackRow
        self.trackFrames = framesPerTrack.map(Double.init)
        self.rowTrackCount = counts
        self.rowFrames = frames
        var scales = [Double](repeating: 0, count: j)
        var bands = [Int32](repeating: 0, count: 2 * j)
        let chunks = ParallelChunks(count: j, minimumChunk: 64)
        // Each chunk's bands, row after row; then the chunks in order.
        var chunkValues = [[SIMD8<Float>]](repeating: [], count: chunks.count)
        chunkValues.withUnsafeMutableBufferPointer { cb in
          bands.withUnsafeMutableBufferPointer { bb in
            scales.withUnsafeMutableBufferPointer { sb in
                let cOut = UnsafeSendable(cb), sOut = UnsafeSendable(sb), bOut = UnsafeSendable(bb)
                let summaries = summaries
                // What the rows share (e.g. per-node constants of one step count), computed once.
                let context = model.rowContext(summaries, diffusionNm2PerS: diffusionNm2PerS)
                DispatchQueue.concurrentPerform(iterations: chunks.count) { c in
                    var row = [Double](repeating: 0, count: m)
                    var full = [SIMD8<Float>](repeating: .zero, count: blocks)
                    var mine: [SIMD8<Float>] = []
                    for r in chunks.range(c) {
                        model.logLikelihood(summaries[r], context: context, diffusionNm2PerS: diffusionNm2PerS, into: &row,
                                            droppingBelowLargestBy: LikelihoodMatrix.keptLogRange)
                        var top = -Double.infinity
                        for v in row where v.isFinite { top = max(top, v) }
                        if !top.isFinite { top = 0 }
                        sOut.base[r] = top
                        for b in 0..<blocks { full[b] = .zero }
                        var first = m, last = -1
                        for i in 0..<m {
                            // Entries below e⁻⁶⁰ of the row's maximum are dropped (set to 0).
                            let v = row[i] - top
                            if v > -LikelihoodMatrix.keptLogRange {
                                full[i / 8][i % 8] = Float(exp(v))
                                first = min(first, i)
                                last = i
                            }
                        }
                        let lo = last >= 0 ? first / 8 : 0, hi = last >= 0 ? last / 8 + 1 : 0
                        bOut.base[2 * r] = Int32(lo)
                        bOut.base[2 * r + 1] = Int32(hi)
                        mine.append(contentsOf: full[lo..<hi])
                    }
                    cOut.base[c] = mine
                }
            }
          }
        }
        // Chunks hold consecutive rows in order, so the running total of band widths is each row's offset.
        var offsets = [Int64](repeating: 0, count: j)
        var stored: Int64 = 0
        for r in 0..<j {
            offsets[r] = stored
            stored += Int64(bands[2 * r + 1] - bands[2 * r])
        }
        // On 64-byte boundaries (``AlignedBlocks``), the chunks' bands copied on all cores; never without an
        // address, even when every band is empty (rows whose likelihood is nowhere finite): the kernels take it.
        let values = AlignedBlocks(joining: chunkValues)
        chunkValues = []
        self.rowOffsets = offsets
        self.rowBlocks = bands
        self.values = values
        self.rowLogScale = scales
    }
}

extension LikelihoodMatrix {
    /// A row keeps the entries within e^−this of its largest (the rest are 0): e⁻⁶⁰ ≈ 10⁻²⁶, far below
    /// the `Float` values' rounding.
    static let keptLogRange = 60.0
}

/// A mutable buffer written at disjoint indices from several threads.
struct UnsafeSendable<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
}

/// Splits `0..<count` into contiguous chunks of a fixed size for
/// `concurrentPerform`. The split does not depend on the number of cores, so
/// sums accumulated per chunk (and hence results) are identical on every machine.
struct ParallelChunks: Sendable {
    let total: Int
    let count: Int
    let size: Int

    init(count total: Int, minimumChunk: Int, serial: Bool = false) {
        self.total = total
        size = serial ? max(total, 1) : max(minimumChunk, 1)
        count = max(1, (total + size - 1) / size)
    }

    func range(_ c: Int) -> Range<Int> { (c * size) ..< min(total, (c + 1) * size) }
}
