import Foundation
import NTACore
import NTARead

extension SimulationWriter {
    /// What ``simulate(_:prefix:includesScoringTruth:massDecimals:fluorescence:)`` wrote.
    public struct Written: Sendable {
        /// The scatter video's files.
        public var files: Files
        /// Localisations written to ``Files/trajectories``.
        public var localisations: Int
        /// Tracks written.
        public var tracks: Int
        /// The fluorescence capture's files, when one was asked for.
        public var fluorescenceFiles: Files?
        /// Localisations of the fluorescence capture.
        public var fluorescenceLocalisations: Int
    }

    /// Simulates `parameters` and writes, as the rows are made, the bytes ``write(_:prefix:includesScoringTruth:massDecimals:)``
    /// writes for `Simulator.run(parameters)` and, with `fluorescence`, those of its
    /// ``Simulator/fluorescenceCapture(of:labelling:)`` at `prefix.fluorescence`. Memory follows the particles in the
    /// box and the tracks, not the localisations; with a minimum written track length above 1 the simulation runs twice
    /// (the first run finds which tracks are long enough).
    public static func simulate(_ parameters: SimulationParameters, prefix: URL, includesScoringTruth: Bool? = nil,
                                massDecimals: Int = defaultMassDecimals,
                                fluorescence: FluorescenceLabelling? = nil) throws -> Written {
        precondition((0...9).contains(massDecimals), "0 … 9 decimals: a programmer error")
        let p = parameters
        var kept: TrackLengths?
        if p.minimumWrittenTrackLength > 1 {
            var lengths = TrackLengths(minimum: p.minimumWrittenTrackLength)
            _ = Simulator.simulate(p, into: &lengths)
            kept = lengths
        }
        let files = Files(prefix)
        let fluorescenceFiles = fluorescence.map { _ in Files(URL(fileURLWithPath: prefix.path + ".fluorescence")) }
        var sink = try StreamingSink(p, files: files, fluorescenceFiles: fluorescenceFiles, labelling: fluorescence,
                                     kept: kept, massDecimals: massDecimals)
        let particles = try Simulator.simulate(p, into: &sink)
        try sink.finish()

        try SettingsSidecar.write(p.acquisitionSettings, for: files.trajectories)
        let frames = p.frameCount * p.captures
        let scoring = includesScoringTruth ?? p.usesRealismFeatures
        func truth(localisations: Int, tracks: Int, inView: Int, scoring: Bool) -> SampleTruth {
            SampleTruth(p, diameters: particles.diameters, trackCount: tracks, particlesInView: inView, frames: frames,
                        scoring: scoring ? ScoringTruth(p, diameters: particles.diameters, components: particles.components,
                                                        framesInView: particles.framesInView, localisations: localisations,
                                                        sigmas: sink.sigmas) : nil)
        }
        try writeSampleTruth(truth(localisations: sink.localisations, tracks: sink.tracks, inView: sink.particlesInView,
                                   scoring: scoring), to: files.sampleTruth)
        if let fl = fluorescenceFiles {
            // As the capture holds it: the fluorescent localisations, per frame, over the frames of every capture.
            try SettingsSidecar.write(p.acquisitionSettings, for: fl.trajectories)
            try writeSampleTruth(truth(localisations: sink.fluorescent.localisations, tracks: sink.fluorescent.tracks,
                                       inView: sink.fluorescent.localisations, scoring: p.usesRealismFeatures),
                                 to: fl.sampleTruth)
        }
        return Written(files: files, localisations: sink.localisations, tracks: sink.tracks,
                       fluorescenceFiles: fluorescenceFiles, fluorescenceLocalisations: sink.fluorescent.localisations)
    }
}

extension SimulationWriter.Files {
    /// The files written with `prefix`.
    init(_ prefix: URL) {
        let trajectories = URL(fileURLWithPath: prefix.path + ".csv")
        self.init(trajectories: trajectories, settings: SettingsSidecar.url(for: trajectories),
                  trackTruth: URL(fileURLWithPath: prefix.path + ".truth.csv"),
                  sampleTruth: URL(fileURLWithPath: prefix.path + ".truth.json"))
    }
}

/// The first run: which tracks reach the minimum written length, one bit per track.
private struct TrackLengths: SimulationSink {
    typealias Failure = Never
    let minimum: Int
    /// Localisations so far of each particle's current track.
    var current: [Int] = []
    var longEnough: [UInt64] = []

    init(minimum: Int) { self.minimum = minimum }

    func contains(_ track: Int64) -> Bool { longEnough[Int(track >> 6)] & (1 << UInt64(track & 63)) != 0 }

    mutating func begin(diameters: [Double], components: [Int]) { current = [Int](repeating: 0, count: diameters.count) }

    mutating func localisation(_ l: SimulatedLocalisation) {
        // A particle's localisations belong to its current track until it starts another.
        current[l.particle] = l.startsTrack ? 1 : current[l.particle] + 1
        let word = Int(l.track >> 6)
        while longEnough.count <= word { longEnough.append(0) }
        if current[l.particle] == minimum { longEnough[word] |= 1 << UInt64(l.track & 63) }
    }

    mutating func endFrame(particlesInView: Int) {}
}

/// A file written through a buffer of about 1 MiB.
private struct BufferedFile {
    let file: FileWriting.Output
    var text = ByteWriter()

    init(_ url: URL, header: String) throws(FileWriting.Failure) {
        file = try FileWriting.Output(url)
        text.bytes.reserveCapacity(1 << 20 + 256)
        text.append(header)
    }

    mutating func flushIfFull() throws(FileWriting.Failure) {
        if text.bytes.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws(FileWriting.Failure) {
        let result = text.bytes.withUnsafeBytes { raw in Result { () throws(FileWriting.Failure) in try file.write(raw) } }
        try result.get()
        text.bytes.removeAll(keepingCapacity: true)
    }

    mutating func close() throws(FileWriting.Failure) {
        try flush()
        try file.close()
    }
}

/// The second run: writes each localisation of a track long enough, and its track's truth, as it is made.
private struct StreamingSink: SimulationSink {
    typealias Failure = FileWriting.Failure
    let p: SimulationParameters
    let kept: TrackLengths?
    let massDecimals: Int
    let eta: Double
    var csv: BufferedFile, truth: BufferedFile
    var diameters: [Double] = [], components: [Int] = []
    var localisations = 0, tracks = 0, particlesInView = 0
    var sigmas: ScoringTruth.SigmaTally?

    /// The fluorescence capture: its files, labels and counts.
    struct Fluorescence {
        var csv: BufferedFile, truth: BufferedFile
        let labelling: FluorescenceLabelling
        var labelled: [Bool] = [], bleach: [Int] = []
        var localisations = 0, tracks = 0

        /// Writes `l` when its particle is labelled and not yet bleached, as ``Simulator/fluorescenceCapture(of:labelling:)``
        /// keeps localisations, and `track` (the truth of the track `l` starts, if any) with it: a track's frames only
        /// grow, so a track keeps its first localisation whenever it keeps any.
        mutating func add(_ l: SimulatedLocalisation, track: TrackTruth?, diameter: Double, component: SizeComponent,
                          parameters p: SimulationParameters, massDecimals: Int) throws(FileWriting.Failure) {
            guard labelled[l.particle], diameter >= labelling.minimumDiameterNanometers, Int(l.frame) < bleach[l.particle]
            else { return }
            localisations += 1
            csv.text.appendTrajectoryRow(
                particle: l.track, frame: l.frame, x: l.x, y: l.y,
                intensity: Simulator.fluorescenceIntensity(scattered: l.intensity, diameterNanometers: diameter,
                                                           component: component, parameters: p),
                massDecimals: massDecimals)
            try csv.flushIfFull()
            if let track {
                tracks += 1
                truth.text.appendTruthRow(track, of: p.mixture)
                try truth.flushIfFull()
            }
        }
    }
    var fluorescence: Fluorescence?
    var fluorescent: (localisations: Int, tracks: Int) { (fluorescence?.localisations ?? 0, fluorescence?.tracks ?? 0) }

    init(_ p: SimulationParameters, files: SimulationWriter.Files, fluorescenceFiles: SimulationWriter.Files?,
         labelling: FluorescenceLabelling?, kept: TrackLengths?, massDecimals: Int) throws(FileWriting.Failure) {
        self.p = p
        self.kept = kept
        self.massDecimals = massDecimals
        eta = p.effectiveViscosity
        csv = try BufferedFile(files.trajectories, header: SimulationWriter.trajectoryHeader)
        truth = try BufferedFile(files.trackTruth, header: SimulationWriter.trackTruthHeader)
        sigmas = p.sigmaReferenceIntensity == nil ? nil : ScoringTruth.SigmaTally()
        if let fl = fluorescenceFiles, let labelling {
            fluorescence = Fluorescence(csv: try BufferedFile(fl.trajectories, header: SimulationWriter.trajectoryHeader),
                                        truth: try BufferedFile(fl.trackTruth, header: SimulationWriter.trackTruthHeader),
                                        labelling: labelling)
        }
    }

    mutating func begin(diameters: [Double], components: [Int]) {
        self.diameters = diameters
        self.components = components
        if let l = fluorescence?.labelling {
            (fluorescence!.labelled, fluorescence!.bleach) = Simulator.labels(of: components, l)
        }
    }

    mutating func localisation(_ l: SimulatedLocalisation) throws(FileWriting.Failure) {
        if let kept, !kept.contains(l.track) { return }
        localisations += 1
        sigmas?.add(l.sigma)
        csv.text.appendTrajectoryRow(particle: l.track, frame: l.frame, x: l.x, y: l.y, intensity: l.intensity,
                                     massDecimals: massDecimals)
        try csv.flushIfFull()
        let i = l.particle
        let track = l.startsTrack ? TrackTruth(trackID: l.track, particleIndex: i, diameterNanometers: diameters[i],
                                               component: components[i], capture: l.capture, parameters: p,
                                               viscosity: eta) : nil
        if let track {
            tracks += 1
            truth.text.appendTruthRow(track, of: p.mixture)
            try truth.flushIfFull()
        }
        try fluorescence?.add(l, track: track, diameter: diameters[i], component: p.mixture.components[components[i]],
                              parameters: p, massDecimals: massDecimals)
    }

    mutating func endFrame(particlesInView inView: Int) { particlesInView += inView }

    /// Writes what is buffered and closes the files.
    mutating func finish() throws(FileWriting.Failure) {
        try csv.close()
        try truth.close()
        try fluorescence?.csv.close()
        try fluorescence?.truth.close()
    }
}
