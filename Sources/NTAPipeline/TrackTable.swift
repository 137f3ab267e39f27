import Foundation
import NTARead
import NTATracks
import NTACore

/// One track's outcome in a video's analysis: what was estimated, and why it
/// was left out when it was.
public struct TrackRecord: Sendable, Hashable {
    /// The particle id the file gives the track.
    public var particleID: Int64
    /// Positions (localisations) of the track.
    public var localisations: Int
    /// One-frame steps (pairs of positions in consecutive frames).
    public var steps: Int
    /// Our diffusion coefficient, µm²/s (NaN when not estimated).
    public var diffusionUm2PerS = Double.nan
    /// Its standard error, µm²/s (the estimator's variance, square-rooted; NaN when unknown).
    public var diffusionStandardErrorUm2PerS = Double.nan
    /// The Stokes–Einstein diameter of ``diffusionUm2PerS``, nm (NaN when not computed).
    public var diameterNanometers = Double.nan
    /// The one-lag MSD diffusion coefficient ⟨|Δr|²⟩/(4Δt) over the track's one-frame steps, µm²/s,
    /// whatever the estimator: the figure NanoSight NTA 2.x prints per track, for conformance checks
    /// (on the positions as analysed: after drift subtraction when it was applied; NaN without a step).
    public var oneLagDiffusionUm2PerS = Double.nan
    /// Mean intensity of the track's positions with a finite one (NaN without an intensity column or without
    /// such a position).
    public var meanIntensity = Double.nan
    /// Why the track was left out of the distribution; `nil` when it was used.
    public var reason: DropReason?

    /// A record of a track with its size in localisations and steps; the estimates start as NaN.
    public init(particleID: Int64, localisations: Int, steps: Int) {
        self.particleID = particleID
        self.localisations = localisations
        self.steps = steps
    }

    /// The records of every track of `tracks`, before estimation, in track order.
    public static func records(of tracks: TrackSet) -> [TrackRecord] {
        // Raw columns shared by the workers: reading an array through the struct in each task would
        // retain and release it per track, contended across cores.
        tracks.frame.withUnsafeBufferPointer { frame in
            tracks.offsets.withUnsafeBufferPointer { offsets in
                tracks.particleIDs.withUnsafeBufferPointer { ids in
                    (tracks.intensity ?? []).withUnsafeBufferPointer { intensity in
                        let columns = UncheckedSendable((frame, offsets, ids, tracks.intensity == nil ? nil : intensity))
                        return Parallel.map(count: tracks.trackCount) { t in
                            let (frame, offsets, ids, intensity) = columns.value
                            let rows = offsets[t] ..< offsets[t + 1]
                            var steps = 0
                            for r in rows.dropFirst() where Int64(frame[r]) - Int64(frame[r - 1]) == 1 { steps += 1 }
                            var record = TrackRecord(particleID: ids[t], localisations: rows.count, steps: steps)
                            if let intensity, !rows.isEmpty {
                                // Over the finite ones: one NaN in a row of a tracker's export is not the track's mean.
                                var sum = 0.0, count = 0
                                for r in rows where intensity[r].isFinite { sum += intensity[r]; count += 1 }
                                if count > 0 { record.meanIntensity = sum / Double(count) }
                            }
                            return record
                        }
                    }
                }
            }
        }
    }
}

/// The per-track table (`nta-size analyze --output tracks`): one CSV row per
/// track of every video, used or not.
///
/// Columns: `video,particle,localisations,steps,diffusion_um2_s,diffusion_se_um2_s,diameter_nm,included,reason,`
/// `one_lag_diffusion_um2_s` (the one-lag MSD D whatever the estimator), then `mean_intensity` when any input has intensities, then
/// `instrument_diffusion_um2_s,instrument_diameter_nm` when any input prints
/// per-track estimates (NanoSight). Empty fields are unknown values. Rows are
/// in input order of the videos and by particle id within a video; numbers are
/// written in Swift's shortest round-trip form, so the bytes are deterministic.
public enum TrackTable {
    /// The CSV text for `sample` (empty but for the header when it has no track-level videos).
    public static func csv(_ sample: SampleResult) -> String {
        let videos = sample.videos.compactMap(\.analysis)
        let hasIntensity = videos.contains { v in
            v.trajectoryRows?.intensity != nil || v.trackRecords.contains { !$0.meanIntensity.isNaN }
        }
        let hasInstrument = videos.contains { !$0.instrumentTracks.isEmpty }
        var out = "video,particle,localisations,steps,diffusion_um2_s,diffusion_se_um2_s,diameter_nm,included,reason,one_lag_diffusion_um2_s"
        if hasIntensity { out += ",mean_intensity" }
        if hasInstrument { out += ",instrument_diffusion_um2_s,instrument_diameter_nm" }
        out += "\n"
        for v in videos {
            var instrument: [Int64: InstrumentTrackEstimate] = [:]
            for e in v.instrumentTracks where instrument[e.particleID] == nil { instrument[e.particleID] = e }
            let name = CSVText.field(v.name)
            for r in records(of: v) {
                out += name + "," + String(r.particleID) + "," + String(r.localisations) + "," + String(r.steps)
                out += "," + number(r.diffusionUm2PerS) + "," + number(r.diffusionStandardErrorUm2PerS)
                out += "," + number(r.diameterNanometers) + "," + (r.reason == nil ? "true" : "false")
                out += "," + (r.reason?.rawValue ?? "") + "," + number(r.oneLagDiffusionUm2PerS)
                if hasIntensity { out += "," + number(r.meanIntensity) }
                if hasInstrument {
                    let e = instrument[r.particleID]
                    out += "," + number(e?.diffusionUm2PerS ?? .nan) + "," + number(e?.diameterNanometers ?? .nan)
                }
                out += "\n"
            }
        }
        return out
    }

    /// Every track of `video`, by particle id: those that reached the estimator
    /// (``VideoAnalysis/trackRecords``), those the reader left out, and those the
    /// grouping left out (too short, else a frame twice, else a gap longer than
    /// ``TrackGrouping/maximumGapFrames``), re-derived from the trajectories as read.
    public static func records(of video: VideoAnalysis) -> [TrackRecord] {
        var out = video.trackRecords
        var seen = Set(out.map(\.particleID))
        for d in video.readerDroppedTracks where seen.insert(d.particleID).inserted {
            var r = TrackRecord(particleID: d.particleID, localisations: d.localisations,
                                steps: max(d.localisations - 1, 0))
            r.reason = d.reason
            out.append(r)
        }
        if let table = video.trajectoryRows {
            var frames: [Int64: [Int32]] = [:]
            var intensitySums: [Int64: (sum: Double, count: Int)] = [:]
            for i in 0..<table.count where !seen.contains(table.particle[i]) {
                frames[table.particle[i], default: []].append(table.frame[i])
                if let intensity = table.intensity, intensity[i].isFinite {
                    intensitySums[table.particle[i], default: (0, 0)].sum += intensity[i]
                    intensitySums[table.particle[i], default: (0, 0)].count += 1
                }
            }
            let minimum = max(video.settings.minTrackLength.value, 1)
            for (id, f) in frames {
                let sorted = f.sorted()
                var steps = 0
                for k in sorted.indices.dropFirst() where Int64(sorted[k]) - Int64(sorted[k - 1]) == 1 { steps += 1 }
                var r = TrackRecord(particleID: id, localisations: f.count, steps: steps)
                // The grouping's rules, in its order (TrackGrouping): too short, else a frame twice, else a gap
                // longer than it bridges.
                let repeatsFrame = sorted.indices.dropFirst().contains { sorted[$0] == sorted[$0 - 1] }
                let longGap = sorted.indices.dropFirst().contains { TrackGrouping.skipsTooMany(from: sorted[$0 - 1], to: sorted[$0]) }
                r.reason = f.count < minimum ? .tooShort : repeatsFrame ? .duplicateFrame : longGap ? .gapTooLong : nil
                if let s = intensitySums[id], s.count > 0 { r.meanIntensity = s.sum / Double(s.count) }
                out.append(r)
            }
            seen.formUnion(frames.keys)
        }
        return out.sorted { $0.particleID < $1.particleID }
    }

    static func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "" }
}
