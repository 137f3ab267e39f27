// Benchmarks of the swift-nta pipeline on simulated trackpy exports.
//
// The headline benchmark reads and sizes a simulated 10-million-localisation
// trackpy CSV end to end (`Analysis.analyzeTrajectoryFile`). The stage
// benchmarks (parse only, group only, everything after parsing) locate a
// regression when the headline number moves; the 1M-row end-to-end benchmark
// is a quicker check of the same path.
//
// The input files are generated once by the library's simulator into a cache
// directory (`NTA_BENCH_DATA_DIR`, default `<tmp>/swift-nta-benchmarks`) and
// reused afterwards; they are never committed. See BENCHMARKS.md.

import Benchmark
import Foundation
import NTA

// MARK: - Simulated input files

/// One simulated trackpy export used as benchmark input.
struct BenchmarkInput: Sendable {
    /// Directory name in the cache; bump the version suffix whenever the
    /// parameters change so stale files are never reused.
    var name: String
    var parameters: SimulationParameters

    /// The cache directory (created on demand).
    static var cacheDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["NTA_BENCH_DATA_DIR"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("swift-nta-benchmarks", isDirectory: true)
    }

    /// The trajectory CSV (its `.settings.json` sidecar sits beside it).
    var csv: URL {
        Self.cacheDirectory.appendingPathComponent(name, isDirectory: true).appendingPathComponent("tracks.csv")
    }

    /// An EV-like sample (vesicles, small particles and debris) in the
    /// default NanoSight-like field of view (640 × 480 px at 160 nm/px, a
    /// 5 µm sheet, 30 fps), dense enough that `frames` frames hold about
    /// `frames × 3,300` localisations.
    static func evLike(name: String, frames: Int) -> BenchmarkInput {
        var p = SimulationParameters(mixture: .evLike)
        p.seed = 20_261_122
        p.frameCount = frames
        // About 3,300 particles in the 3.9e-8 mL detection volume per frame.
        p.concentrationPerMl = 8.5e10
        return BenchmarkInput(name: name, parameters: p)
    }

    /// About 10,000,000 localisations (3,000 frames, 100 s at 30 fps).
    static let tenMillion = evLike(name: "evlike-10M-v1", frames: 3000)
    /// About 1,000,000 localisations (300 frames).
    static let oneMillion = evLike(name: "evlike-1M-v1", frames: 300)

    /// Makes sure the file exists, simulating and writing it when it does not.
    /// The files are written into a private staging directory first and moved
    /// into place in one rename, so a half-written file is never reused.
    func ensure() throws {
        let fm = FileManager.default
        let folder = csv.deletingLastPathComponent()
        if fm.fileExists(atPath: csv.path), fm.fileExists(atPath: SettingsSidecar.url(for: csv).path) { return }
        try fm.createDirectory(at: Self.cacheDirectory, withIntermediateDirectories: true)
        let staging = Self.cacheDirectory.appendingPathComponent(".staging-\(name)-\(getpid())", isDirectory: true)
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let start = ContinuousClock.now
        let video = Simulator.run(parameters)
        // Whole-unit mass, as the v1 inputs were written and measured.
        try SimulationWriter.write(video, prefix: staging.appendingPathComponent("tracks"), massDecimals: 0)
        let rows = video.table.count, tracks = video.tracks.count
        do {
            try fm.moveItem(at: staging, to: folder)
        } catch {
            // Another process won the race: keep its files.
            try? fm.removeItem(at: staging)
            guard fm.fileExists(atPath: csv.path) else { throw error }
        }
        let elapsed = ContinuousClock.now - start
        print("generated \(csv.path): \(rows) rows, \(tracks) tracks in \(elapsed)")
    }
}

/// Reads a file once outside the measured region (for the stage benchmarks).
func readOnce(_ input: BenchmarkInput) throws -> TrajectoryReadResult {
    try input.ensure()
    return try TrajectoryCSVReader().read(contentsOf: input.csv)
}

/// Settings as `analyzeTrajectoryFile` resolves them (sidecar, no flags).
func resolvedSettings(_ input: BenchmarkInput, _ read: TrajectoryReadResult, _ options: AnalysisOptions) throws -> ResolvedSettings {
    try ResolvedSettings.resolve(
        file: input.csv.path, flags: options.settings, fromFile: SettingsSidecar.load(for: input.csv),
        needsPixelSize: read.table.positionUnit == .pixels, viscosityModel: options.viscosityModel,
        defaultMinTrackLength: options.defaultMinTrackLength)
}

/// State shared by the stage benchmarks of one process (each benchmark runs
/// in its own process, so only the benchmark that asks for it pays for it).
final class Preloaded: @unchecked Sendable {
    static let shared = Preloaded()
    private let lock = NSLock()
    private var reads: [String: TrajectoryReadResult] = [:]

    func read(_ input: BenchmarkInput) throws -> TrajectoryReadResult {
        lock.lock()
        defer { lock.unlock() }
        if let r = reads[input.name] { return r }
        let r = try readOnce(input)
        reads[input.name] = r
        return r
    }
}

/// The 10M file's tracks prepared as the default pipeline (`Analysis.analyze`)
/// prepares them before per-track estimation and deconvolution: grouped, edge
/// trim judged on the recorded positions, drift estimated and subtracted,
/// video nuisance (pooled σ², blur R) estimated.
struct PreparedTracks: @unchecked Sendable {
    var settings: ResolvedSettings
    var tracks: TrackSet
    var edge: EdgeTrim?
    var context: EstimationContext
    var exposureKnown: Bool

    init(_ input: BenchmarkInput, options: AnalysisOptions) throws {
        let read = try Preloaded.shared.read(input)
        settings = try resolvedSettings(input, read, options)
        let grouped = TrackGrouping.group(read.table, nanometersPerPixel: settings.nanometersPerPixel?.value,
                                          minTrackLength: settings.minTrackLength.value)
        let drift = DriftEstimate.estimate(grouped.tracks)
        tracks = grouped.tracks.subtractingDrift(drift)
        edge = EdgeTrim(grouped.tracks, marginMicrometers: options.edgeMarginMicrometers)
        exposureKnown = settings.exposureMilliseconds.source != .default
        let nuisance = VideoNuisance.estimate(
            tracks, frameIntervalSeconds: settings.frameIntervalSeconds,
            exposureMilliseconds: exposureKnown ? settings.exposureMilliseconds.value : nil, drift: drift, edge: edge)
        context = nuisance?.context
            ?? EstimationContext(frameIntervalSeconds: settings.frameIntervalSeconds,
                                 blurCoefficient: settings.blurCoefficient)
    }

    /// The pipeline's own deconvolution step (`Analysis.deconvolve`) on these tracks.
    func deconvolve(bootstrapReplicates: Int, options: AnalysisOptions) -> DeconvolvedSizeDistribution {
        var options = options
        options.bootstrapReplicates = bootstrapReplicates
        return Analysis.deconvolve(tracks, settings: settings, context: context, exposureKnown: exposureKnown,
                                   options: options, edge: edge)
    }
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
    // Default metrics only (wall clock, CPU, malloc counts, peak resident
    // memory): the ARC metrics crash on Linux with Swift 6.3 here.
    Benchmark.defaultConfiguration = .init(
        metrics: BenchmarkMetric.default,
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 10
    )

    let options = AnalysisOptions()

    // The headline: read the CSV, group tracks, one-lag MSD per track,
    // Stokes–Einstein, histogram and statistics.
    for input in [BenchmarkInput.tenMillion, .oneMillion] {
        let rowsLabel = input.name.contains("10M") ? "10M" : "1M"
        Benchmark("Analyze trackpy CSV end to end (\(rowsLabel) rows)") { benchmark in
            for _ in benchmark.scaledIterations {
                let video = try Analysis.analyzeTrajectoryFile(at: input.csv, options: options)
                blackHole(video.size.d50Nm)
            }
        } setup: {
            try input.ensure()
        }
    }

    // The same file, "parse and size, one-lag": the issue-2 pipeline (one-lag
    // MSD per track, histogram of tracks) on today's code.
    var oneLag = AnalysisOptions()
    oneLag.estimator = .msd1
    oneLag.distribution = .histogram
    Benchmark("Analyze trackpy CSV end to end, one-lag histogram (10M rows)") { benchmark in
        for _ in benchmark.scaledIterations {
            let video = try Analysis.analyzeTrajectoryFile(at: BenchmarkInput.tenMillion.csv, options: oneLag)
            blackHole(video.size.d50Nm)
        }
    } setup: {
        try BenchmarkInput.tenMillion.ensure()
    }

    let input = BenchmarkInput.tenMillion

    Benchmark("Stage: parse trackpy CSV (10M rows)") { benchmark in
        for _ in benchmark.scaledIterations {
            let read = try TrajectoryCSVReader().read(contentsOf: input.csv)
            blackHole(read.table.count)
        }
    } setup: {
        try input.ensure()
    }

    Benchmark("Stage: group tracks (10M rows)") { benchmark in
        let read = try Preloaded.shared.read(input)
        let settings = try resolvedSettings(input, read, options)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let grouped = TrackGrouping.group(read.table, nanometersPerPixel: settings.nanometersPerPixel?.value,
                                              minTrackLength: settings.minTrackLength.value)
            blackHole(grouped.tracks.trackCount)
        }
        benchmark.stopMeasurement()
    } setup: {
        _ = try Preloaded.shared.read(input)
    }

    Benchmark("Stage: analyse parsed table (10M rows)") { benchmark in
        let read = try Preloaded.shared.read(input)
        let settings = try resolvedSettings(input, read, options)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let video = try! Analysis.analyze(read, settings: settings, name: "tracks.csv", file: input.csv.path,
                                         options: options)
            blackHole(video.size.d50Nm)
        }
        benchmark.stopMeasurement()
    } setup: {
        _ = try Preloaded.shared.read(input)
    }
    // Stages of the default pipeline after grouping (issue 3), on the 10M
    // file's 274,220 tracks prepared beforehand (not timed).
    Benchmark("Stage: drift + edge trim + video nuisance (10M rows)") { benchmark in
        let read = try Preloaded.shared.read(input)
        let settings = try resolvedSettings(input, read, options)
        let grouped = TrackGrouping.group(read.table, nanometersPerPixel: settings.nanometersPerPixel?.value,
                                          minTrackLength: settings.minTrackLength.value)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let drift = DriftEstimate.estimate(grouped.tracks)
            let tracks = grouped.tracks.subtractingDrift(drift)
            let edge = EdgeTrim(grouped.tracks, marginMicrometers: options.edgeMarginMicrometers)
            let nuisance = VideoNuisance.estimate(tracks, frameIntervalSeconds: settings.frameIntervalSeconds,
                                                  exposureMilliseconds: settings.exposureMilliseconds.value,
                                                  drift: drift, edge: edge)
            blackHole(nuisance?.localisationVarianceNm2)
        }
        benchmark.stopMeasurement()
    } setup: {
        _ = try Preloaded.shared.read(input)
    }

    Benchmark("Stage: per-track exact ML (10M rows)") { benchmark in
        let prepared = try PreparedTracks(input, options: options)
        let ml = MaximumLikelihoodEstimator(usesKnownLocalisationVariance: prepared.exposureKnown)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let estimates = ml.estimateAll(prepared.tracks, context: prepared.context)
            blackHole(estimates.count)
        }
        benchmark.stopMeasurement()
    }

    // Issue 3: deconvolution of ~300,000 tracks (here the 10M file's 274,220):
    // the pipeline's own `Analysis.deconvolve` (gamma likelihood, built inside the timed region).
    for replicates in [0, 100] {
        let label = replicates == 0 ? "no bootstrap" : "bootstrap \(replicates)"
        Benchmark("Deconvolve 274k tracks, gamma, \(label)") { benchmark in
            let prepared = try PreparedTracks(input, options: options)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let result = prepared.deconvolve(bootstrapReplicates: replicates, options: options)
                blackHole(result.summary.d50Nm)
            }
            benchmark.stopMeasurement()
        }
    }
}

