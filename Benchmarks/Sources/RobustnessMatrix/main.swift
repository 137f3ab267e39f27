// Robustness matrix (issue 8: "never trap, never confidently wrong"): simulated
// samples with every instrument-realism feature on (Gaussian light sheet with an
// intensity threshold, photon-limited σ, several captures per file, tracker memory),
// analysed by the default pipeline exactly as `nta-size analyze` does (trackpy CSV →
// `TrajectoryCSVReader` → sidecar settings → `Analysis.analyze` → `SampleResult` →
// `AnalysisReport` JSON), with the exposure told or not told, and scored against the
// simulation's truth.
//
//     cd Benchmarks
//     swift run -c release RobustnessMatrix [--seeds N] [--bootstrap N] [--runs-csv FILE]
//                                           [--only NAME_SUBSTRING] [--exposure told|not-told]
//
// Every run is a child process (this executable with `--child CASE SEED BOOTSTRAP`), so a
// trap in the pipeline is recorded as a trap instead of ending the report. Prints markdown
// (see BENCHMARKS.md, "Robustness matrix (issue 8)"). Deterministic: same code, same output
// (apart from the timing line).

import Foundation
import NTA

/// What one run reports, scored against its truth (`nil` = the report's `null`).
struct RunResult: Codable {
    var tracksUsed: Int
    var truthD50: Double?
    var truthFraction: Double?
    /// The truth over the particles bright enough to be detected at all (`ScoringTruth.detectable…`).
    var detectableD50: Double?
    var detectableFraction: Double?
    var undetectableShare: Double?
    /// The report's `deconvolution.detectionLimitNanometers`.
    var detectionLimit: Double?
    var sampleD50: Double?
    var d50: Double?
    var d50CI: [Double?]?
    var fraction: Double?
    var fractionCI: [Double?]?
    var truthVarianceNm2: Double
    var varianceNm2: Double?
    var varianceSENm2: Double?
    var truthR: Double
    var r: Double?
    var rSE: Double?
    var blurSource: String?
    var truthDriftX: Double
    var truthDriftY: Double
    var driftX: Double?
    var driftY: Double?
    var driftSE: Double?
    var notes: [String]
}

/// A run as the parent records it.
struct Run {
    var caseIndex: Int
    var seed: UInt64
    /// `nil` when the child trapped, hung or failed; `outcome` says which.
    var result: RunResult?
    var outcome: String
    var seconds: Double
}

// MARK: - Child: one case, one seed

func runChild(caseIndex: Int, seed: UInt64, bootstrap: Int) throws -> RunResult {
    let c = matrixCases()[caseIndex]
    let p = c.parameters(seed)
    let video = Simulator.run(p)
    let truth = ScoringTruth(video)
    var table = video.table
    if !c.writesIntensity { table.intensity = nil }
    let csv = SimulationWriter.trajectoryCSV(table)
    let read = try csv.withUnsafeBytes { try TrajectoryCSVReader().read(bytes: $0, fileName: c.name) }
    var fromFile = p.acquisitionSettings
    if !c.exposureTold { fromFile.exposureMilliseconds = nil }
    let settings = try ResolvedSettings.resolve(
        file: c.name, flags: AcquisitionSettings(), fromFile: fromFile,
        needsPixelSize: true, viscosityModel: .iapws, defaultMinTrackLength: 10)
    var options = AnalysisOptions()
    options.bootstrapReplicates = bootstrap
    let video1 = try Analysis.analyze(read, settings: settings, name: c.name, file: c.name, options: options)
    let sample = try SampleResult([.video(video1)], options: options)
    let json = try AnalysisReport(sample).jsonData()
    guard let report = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
        throw MatrixError("the report is not a JSON object")
    }
    func number(_ any: Any?) -> Double? { (any as? NSNumber)?.doubleValue }
    func pair(_ any: Any?) -> [Double?]? { (any as? [Any]).map { $0.map(number) } }
    let size = report["size"] as? [String: Any]
    let window = report["window"] as? [String: Any]
    let nuisance = ((report["videos"] as? [[String: Any]])?.first)?["nuisance"] as? [String: Any]
    let deconvolution = ((report["videos"] as? [[String: Any]])?.first)?["deconvolution"] as? [String: Any]
    var notes = report["notes"] as? [String] ?? []
    notes += report["warnings"] as? [String] ?? []
    return RunResult(
        tracksUsed: video1.tracksUsed,
        truthD50: truth.frameWeightedD50Nanometers, truthFraction: truth.frameWeightedWindowFraction,
        detectableD50: truth.detectableFrameWeightedD50Nanometers,
        detectableFraction: truth.detectableFrameWeightedWindowFraction,
        undetectableShare: truth.undetectableFrameShare,
        detectionLimit: number(deconvolution?["detectionLimitNanometers"]),
        sampleD50: truth.sampleD50Nanometers,
        d50: number(size?["d50Nm"]), d50CI: pair(size?["d50NmCI"]),
        fraction: number(window?["fraction"]), fractionCI: pair(window?["fractionCI"]),
        truthVarianceNm2: truth.localisationVarianceNm2,
        varianceNm2: number(nuisance?["localisationVarianceNm2"]),
        varianceSENm2: number(nuisance?["localisationVarianceStandardErrorNm2"]),
        truthR: truth.blurCoefficient, r: number(nuisance?["blurCoefficient"]),
        rSE: number(nuisance?["blurCoefficientStandardError"]), blurSource: nuisance?["blurSource"] as? String,
        truthDriftX: truth.driftXNanometersPerFrame, truthDriftY: truth.driftYNanometersPerFrame,
        driftX: number(nuisance?["driftVelocityXNmPerFrame"]), driftY: number(nuisance?["driftVelocityYNmPerFrame"]),
        driftSE: number(nuisance?["driftVelocityStandardErrorNmPerFrame"]), notes: notes)
}

struct MatrixError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// MARK: - Parent: every case in a child process

func runInChild(caseIndex: Int, seed: UInt64, bootstrap: Int, timeoutSeconds: Double) -> Run {
    let t0 = ContinuousClock.now
    let process = Process()
    process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--child", "\(caseIndex)", "\(seed)", "\(bootstrap)"]
    // A trap's message stays on stderr; the backtracer's report (seconds per trap) is not needed.
    process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { _, new in new }
    // The child's output goes to temporary files (no pipe to fill up and block it), read after it exits.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("robustness-\(getpid())-\(caseIndex)-\(seed)")
    let outURL = scratch.appendingPathExtension("out"), errURL = scratch.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
    guard let out = try? FileHandle(forWritingTo: outURL), let err = try? FileHandle(forWritingTo: errURL) else {
        return Run(caseIndex: caseIndex, seed: seed, result: nil, outcome: "not started: no scratch file", seconds: 0)
    }
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch {
        return Run(caseIndex: caseIndex, seed: seed, result: nil, outcome: "not started: \(error)", seconds: 0)
    }
    var timedOut = false
    while process.isRunning {
        if (ContinuousClock.now - t0).seconds > timeoutSeconds {
            process.terminate() // our own child, by its handle
            timedOut = true
            break
        }
        usleep(20_000)
    }
    process.waitUntilExit()
    try? out.close(); try? err.close()
    let data = (try? Data(contentsOf: outURL)) ?? Data()
    let seconds = (ContinuousClock.now - t0).seconds
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    if timedOut { return Run(caseIndex: caseIndex, seed: seed, result: nil, outcome: "hang", seconds: seconds) }
    if process.terminationReason == .uncaughtSignal {
        let line = stderr.split(separator: "\n").first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        return Run(caseIndex: caseIndex, seed: seed, result: nil,
                   outcome: "trap (signal \(process.terminationStatus))" + (line.map { ": \($0)" } ?? ""), seconds: seconds)
    }
    guard process.terminationStatus == 0, let r = try? JSONDecoder().decode(RunResult.self, from: data) else {
        return Run(caseIndex: caseIndex, seed: seed, result: nil,
                   outcome: "failed (exit \(process.terminationStatus)): \(stderr.prefix(200))", seconds: seconds)
    }
    return Run(caseIndex: caseIndex, seed: seed, result: r, outcome: "ok", seconds: seconds)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

// MARK: - Scoring

/// Whether an interval covers a value (`nil` when there is no interval).
func covers(_ ci: [Double?]?, _ truth: Double?) -> Bool? {
    guard let ci, ci.count == 2, let lo = ci[0], let hi = ci[1], let truth else { return nil }
    return lo <= truth && truth <= hi
}

/// Whether estimate ± z·SE covers the truth (95 %: z = 1.959964); `nil` when either is null.
func covers(_ estimate: Double?, _ se: Double?, _ truth: Double) -> Bool? {
    guard let estimate, let se, se.isFinite else { return nil }
    return abs(estimate - truth) <= 1.959964 * se + 1e-12 * max(abs(truth), 1)
}

/// P(X ≤ k) for X ~ Binomial(n, p): the one-sided p-value of under-coverage.
func binomialLowerTail(_ k: Int, _ n: Int, _ p: Double) -> Double {
    guard n > 0 else { return 1 }
    var total = 0.0
    for i in 0...min(k, n) {
        let logTerm = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
            + Double(i) * log(p) + Double(n - i) * log1p(-p)
        total += exp(logTerm)
    }
    return min(total, 1)
}

/// "k/n" of the covered among the non-null, with the null count.
struct Tally {
    var covered = 0, judged = 0, null = 0
    mutating func add(_ c: Bool?) {
        guard let c else { null += 1; return }
        judged += 1
        if c { covered += 1 }
    }
    mutating func merge(_ o: Tally) { covered += o.covered; judged += o.judged; null += o.null }
    var text: String {
        judged == 0 ? (null > 0 ? "null ×\(null)" : "–") : "\(covered)/\(judged)" + (null > 0 ? ", null ×\(null)" : "")
    }
    /// Under-coverage at the 95 % nominal rate, one-sided binomial p < 0.01.
    var underCovers: Bool { judged > 0 && binomialLowerTail(covered, judged, 0.95) < 0.01 }
}

// MARK: - Main

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--child" {
    guard arguments.count == 4, let c = Int(arguments[1]), let s = UInt64(arguments[2]), let b = Int(arguments[3]),
          matrixCases().indices.contains(c) else {
        FileHandle.standardError.write(Data("usage: --child CASE SEED BOOTSTRAP\n".utf8)); exit(2)
    }
    do {
        let r = try runChild(caseIndex: c, seed: s, bootstrap: b)
        FileHandle.standardOutput.write(try JSONEncoder().encode(r) + Data("\n".utf8))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8)); exit(1)
    }
}

var seedCount = 10
var bootstrap = 100
var runsCSV: String?
var only: String?
/// `--exposure told|not-told`: only the cases with the exposure told (or not).
var exposureFilter: Bool?
var iterator = arguments.makeIterator()
while let a = iterator.next() {
    switch a {
    case "--seeds": seedCount = Int(iterator.next() ?? "") ?? seedCount
    case "--bootstrap": bootstrap = Int(iterator.next() ?? "") ?? bootstrap
    case "--runs-csv": runsCSV = iterator.next()
    case "--only": only = iterator.next()
    case "--exposure":
        switch iterator.next() {
        case "told": exposureFilter = true
        case "not-told": exposureFilter = false
        default: FileHandle.standardError.write(Data("--exposure: expected told or not-told\n".utf8)); exit(2)
        }
    default: FileHandle.standardError.write(Data("unknown argument \(a)\n".utf8)); exit(2)
    }
}

let cases = matrixCases()
var runs: [Run] = []
let start = ContinuousClock.now
for (k, c) in cases.enumerated()
where (only.map { c.name.contains($0) } ?? !c.name.hasPrefix("ablation"))
    && (exposureFilter.map { $0 == c.exposureTold } ?? true) {
    for s in 0..<seedCount {
        let seed = UInt64(801 + s)
        let run = runInChild(caseIndex: k, seed: seed, bootstrap: bootstrap, timeoutSeconds: 600)
        runs.append(run)
        FileHandle.standardError.write(Data(String(
            format: "%@ (%@) seed %d: %@, %d tracks, %.1f s\n", c.name, c.exposureTold ? "told" : "not told", Int(seed),
            run.outcome, run.result?.tracksUsed ?? 0, run.seconds).utf8))
    }
}

func f1(_ x: Double?) -> String { x.map { String(format: "%.1f", $0) } ?? "null" }
func f3(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "null" }
func pct(_ x: Double) -> String { String(format: "%+.1f %%", 100 * x) }

print("### Per case (\(seedCount) seeds, 801–\(800 + seedCount), bootstrap \(bootstrap))\n")
print("d50 err and Δfraction: the report's `size.d50Nm` and `window.fraction` against the frame-weighted truth "
      + "(mean, worst); \"detectable\": against the same truth over the particles bright enough to be detected at "
      + "the sheet's centre (the part a size distribution of detected tracks can recover), with the share of the "
      + "sample's frames that is never detectable and the report's `detectionLimitNanometers` (median). CI: the bootstrap interval covers the truth. σ²: `localisationVarianceNm2` ± 1.96 SE "
      + "covers the mean σ² over localisations; R: `blurCoefficient` ± 1.96 SE covers τₑ/(6Δt); drift: each axis "
      + "± 1.96 SE covers the true velocity (2 trials per run). k/n covered, null = reported as null.\n")
print("| Case | Exposure | Runs | Traps/fails | Tracks (median) | d50 err mean (worst) | Δfraction mean (worst) | undetectable share / reported limit | detectable: d50 err mean (worst) | detectable: Δfraction mean (worst) | d50 CI | fraction CI | σ̂/σ mean (truth σ) | σ² covers | R̂ mean (truth) | R covers | drift covers | Meets |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
var allSigma = Tally(), allR = Tally(), allDrift = Tally(), allD50 = Tally(), allFraction = Tally()
var failures: [String] = []
for (k, c) in cases.enumerated() {
    let rs = runs.filter { $0.caseIndex == k }
    guard !rs.isEmpty else { continue }
    let ok = rs.compactMap(\.result)
    let bad = rs.count - ok.count
    let d50Errors = ok.compactMap { r in r.d50.flatMap { d in r.truthD50.map { d / $0 - 1 } } }
    let fracErrors = ok.compactMap { r in r.fraction.flatMap { f in r.truthFraction.map { f - $0 } } }
    let detectableD50Errors = ok.compactMap { r in r.d50.flatMap { d in r.detectableD50.map { d / $0 - 1 } } }
    let detectableFracErrors = ok.compactMap { r in r.fraction.flatMap { f in r.detectableFraction.map { f - $0 } } }
    let undetectable = ok.compactMap(\.undetectableShare)
    let limits = ok.compactMap(\.detectionLimit).sorted()
    func worst(_ v: [Double]) -> Double? { v.max(by: { abs($0) < abs($1) }) }
    func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }
    var sigma = Tally(), r = Tally(), drift = Tally(), d50CI = Tally(), fracCI = Tally()
    for x in ok {
        sigma.add(covers(x.varianceNm2, x.varianceSENm2, x.truthVarianceNm2))
        r.add(covers(x.r, x.rSE, x.truthR))
        drift.add(covers(x.driftX, x.driftSE, x.truthDriftX))
        drift.add(covers(x.driftY, x.driftSE, x.truthDriftY))
        d50CI.add(covers(x.d50CI, x.truthD50))
        if !c.isMonodisperse { fracCI.add(covers(x.fractionCI, x.truthFraction)) }
    }
    allSigma.merge(sigma); allR.merge(r); allDrift.merge(drift); allD50.merge(d50CI); allFraction.merge(fracCI)
    let sigmaRatio = mean(ok.compactMap { x in x.varianceNm2.map { $0 / x.truthVarianceNm2 } }.map { $0 > 0 ? $0.squareRoot() : -((-$0).squareRoot()) })
    let rMean = mean(ok.compactMap(\.r))
    let tracks = ok.map(\.tracksUsed).sorted()
    var why: [String] = []
    if bad > 0 { why.append("trap/fail") }
    if c.isMonodisperse, let w = worst(d50Errors), abs(w) > 0.02 { why.append("d50") }
    if c.isMonodisperse, d50Errors.count < ok.count { why.append("d50 null") }
    // A mixture is judged against what can be detected, provided the report says where that ends: every run
    // with more than 1 % of the sample below the threshold must report a detection limit.
    if !c.isMonodisperse, let w = worst(detectableFracErrors), abs(w) > 0.03 { why.append("fraction") }
    if !c.isMonodisperse, let w = worst(detectableD50Errors), abs(w) > 0.04 { why.append("d50") }
    if !c.isMonodisperse, ok.contains(where: { ($0.undetectableShare ?? 0) > 0.01 && $0.detectionLimit == nil }) {
        why.append("detection limit not reported")
    }
    if sigma.underCovers { why.append("σ² coverage") }
    if r.underCovers { why.append("R coverage") }
    if drift.underCovers { why.append("drift coverage") }
    if !why.isEmpty { failures.append("\(c.name), exposure \(c.exposureTold ? "told" : "not told"): \(why.joined(separator: ", "))") }
    let truthSigma = ok.first.map { $0.truthVarianceNm2.squareRoot() }
    print("| \(c.name) | \(c.exposureTold ? "told" : "not told") | \(rs.count) | \(bad) | "
          + "\(tracks.isEmpty ? "–" : "\(tracks[tracks.count / 2])") | "
          + "\(mean(d50Errors).map(pct) ?? "–") (\(worst(d50Errors).map(pct) ?? "–")) | "
          + "\(c.isMonodisperse ? "–" : "\(mean(fracErrors).map { String(format: "%+.3f", $0) } ?? "–") (\(worst(fracErrors).map { String(format: "%+.3f", $0) } ?? "–"))") | "
          + "\(mean(undetectable).map { String(format: "%.3f", $0) } ?? "–") / \(limits.isEmpty ? "null" : String(format: "%.1f nm", limits[limits.count / 2])) | "
          + "\(mean(detectableD50Errors).map(pct) ?? "–") (\(worst(detectableD50Errors).map(pct) ?? "–")) | "
          + "\(c.isMonodisperse ? "–" : "\(mean(detectableFracErrors).map { String(format: "%+.3f", $0) } ?? "–") (\(worst(detectableFracErrors).map { String(format: "%+.3f", $0) } ?? "–"))") | "
          + "\(d50CI.text) | \(c.isMonodisperse ? "–" : fracCI.text) | \(f3(sigmaRatio)) (\(f1(truthSigma))) | \(sigma.text) | "
          + "\(rMean.map { String(format: "%.3f", $0) } ?? "null") (\(f3(ok.first?.truthR))) | \(r.text) | \(drift.text) | "
          + "\(why.isEmpty ? "yes" : "**no**: " + why.joined(separator: ", ")) |")
}

print("\n### Coverage over the whole matrix (95 % nominal; one-sided binomial p of under-coverage)\n")
print("| Quantity | Covered / judged | Null | Rate | p (≤ observed, at 0.95) |")
print("|---|---|---|---|---|")
for (name, t) in [("σ² (pooled localisation variance)", allSigma), ("R (blur coefficient)", allR),
                  ("drift velocity (per axis)", allDrift), ("d50 bootstrap interval", allD50),
                  ("30–150 nm fraction bootstrap interval", allFraction)] {
    let rate = t.judged > 0 ? Double(t.covered) / Double(t.judged) : .nan
    print("| \(name) | \(t.covered)/\(t.judged) | \(t.null) | \(t.judged > 0 ? String(format: "%.3f", rate) : "–") | "
          + "\(t.judged > 0 ? String(format: "%.2g", binomialLowerTail(t.covered, t.judged, 0.95)) : "–") |")
}

let traps = runs.filter { $0.result == nil }
print("\n### Traps, hangs and failures: \(traps.count) of \(runs.count) runs\n")
for t in traps.prefix(20) {
    let c = cases[t.caseIndex]
    print("- \(c.name), exposure \(c.exposureTold ? "told" : "not told"), seed \(t.seed): \(t.outcome)")
}
if traps.count > 20 { print("- … \(traps.count - 20) more") }

print("\n### Cases that miss a requirement\n")
print(failures.isEmpty ? "None." : failures.map { "- \($0)" }.joined(separator: "\n"))

let allNotes = Set(runs.compactMap(\.result).flatMap(\.notes))
if !allNotes.isEmpty {
    print("\n### Notes and warnings the reports carried\n")
    for n in allNotes.sorted() { print("- \(n)") }
}

if let runsCSV {
    var csv = "case,exposure,seed,outcome,tracks,truth_d50,d50,d50_lo,d50_hi,truth_fraction,fraction,fraction_lo,fraction_hi,"
        + "detectable_d50,detectable_fraction,undetectable_share,detection_limit,truth_var,var,var_se,truth_r,r,r_se,blur_source,truth_drift_x,drift_x,truth_drift_y,drift_y,drift_se,seconds\n"
    for run in runs {
        let c = cases[run.caseIndex]
        let r = run.result
        func v(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        let fields: [String] = [
            "\"\(c.name)\"", c.exposureTold ? "told" : "not told", "\(run.seed)", "\"\(run.outcome.replacingOccurrences(of: "\"", with: "'"))\"",
            "\(r?.tracksUsed ?? 0)", v(r?.truthD50), v(r?.d50), v(r?.d50CI?.first ?? nil), v(r?.d50CI?.last ?? nil),
            v(r?.truthFraction), v(r?.fraction), v(r?.fractionCI?.first ?? nil), v(r?.fractionCI?.last ?? nil),
            v(r?.detectableD50), v(r?.detectableFraction), v(r?.undetectableShare), v(r?.detectionLimit),
            v(r?.truthVarianceNm2), v(r?.varianceNm2), v(r?.varianceSENm2), v(r?.truthR), v(r?.r), v(r?.rSE),
            r?.blurSource ?? "", v(r?.truthDriftX), v(r?.driftX), v(r?.truthDriftY), v(r?.driftY), v(r?.driftSE),
            String(format: "%.2f", run.seconds),
        ]
        csv += fields.joined(separator: ",") + "\n"
    }
    try csv.write(toFile: runsCSV, atomically: true, encoding: .utf8)
}
print(String(format: "\nTotal time %.0f s.", (ContinuousClock.now - start).seconds))
