import Foundation
import Testing
import NTA

@Suite("Water viscosity and Stokes–Einstein")
struct SizingTests {
    @Test("IAPWS correlation reproduces the published values at 0.1 MPa",
          arguments: [(20.0, 1.0016), (25.0, 0.8900)])
    func iapwsPublished(t: Double, eta: Double) {
        // Pátek et al. 2009 / IAPWS 2008 at 0.1 MPa, as quoted to 4 decimals in SCIENCE.md §4.
        #expect(abs(ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: t) - eta) < 0.00005)
    }

    @Test("IAPWS correlation agrees with tabulated water viscosity across the NTA range",
          arguments: [(10.0, 1.3059), (15.0, 1.1375), (30.0, 0.7972), (37.0, 0.6913), (40.0, 0.6527)])
    func iapwsTable(t: Double, eta: Double) {
        // Reference values of the IAPWS 2008 formulation (CRC Handbook "Viscosity of water"),
        // which the 4-term correlation reproduces within its stated ~0.1 % over 253–383 K.
        let value = ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: t)
        #expect(abs(value / eta - 1) < 0.002)
    }

    @Test("the NanoSight formula gives the viscosity NanoSight NTA 3.4 printed at 22 °C")
    func nanosightFormula() {
        // nanosight-3.4 export: Temperature/C 22.000 → Viscosity/cP 0.952941.
        let eta = ViscosityModel.nanosight.viscosityMillipascalSeconds(temperatureCelsius: 22)
        #expect(abs(eta - 0.952941) < 5e-7)
        #expect(abs(ViscosityModel.nanosight.viscosityMillipascalSeconds(temperatureCelsius: 20) - 1) < 1e-12)
    }

    @Test("the NanoSight formula matches every temperature/viscosity pair of the real exports",
          .enabled(if: SharedFormats.available, "needs the NanoSight 3.4 and 3.2 summaries in ../shared/formats or $NTA_SHARED_FORMATS (nanosightFormula covers the formula in-repo)"))
    func nanosightFormulaOnRealFiles() throws {
        var checked = 0
        for name in ["nanosight-3.4-beads100-ExperimentSummary.csv", "nanosight-3.2-beads-12videos-ExperimentSummary.csv"] {
            let text = try SharedFormats.latin1(name)
            var temps: [Double] = [], viscosities: [Double] = []
            for line in text.split(whereSeparator: \.isNewline) {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
                if fields.first == "Temperature/C" { temps = fields.dropFirst().compactMap(Double.init) }
                if fields.first == "Viscosity/cP" { viscosities = fields.dropFirst().compactMap(Double.init) }
            }
            #expect(!temps.isEmpty && temps.count == viscosities.count)
            for (t, eta) in zip(temps, viscosities) {
                // Printed to 6 significant digits.
                #expect(abs(ViscosityModel.nanosight.viscosityMillipascalSeconds(temperatureCelsius: t) - eta) < 6e-7)
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    @Test("Vogel's equation is within 1 % of IAPWS over 15–40 °C")
    func vogel() {
        for t in stride(from: 15.0, through: 40.0, by: 5) {
            let ratio = ViscosityModel.vogel.viscosityMillipascalSeconds(temperatureCelsius: t)
                / ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: t)
            #expect(abs(ratio - 1) < 0.01)
        }
    }

    @Test("a 100 nm sphere in water at 25 °C diffuses at 4.907 µm²/s, and back")
    func stokesEinstein() {
        let d = StokesEinstein.diffusionUm2PerS(diameterNanometers: 100, temperatureCelsius: 25,
                                                 viscosityMillipascalSeconds: 0.8900)
        // k_B·T/(3π·η·d) = 1.380649e-23 × 298.15 / (3π × 0.89e-3 × 1e-7) m²/s.
        #expect(abs(d - 4.9073) < 0.0005)
        let back = StokesEinstein.diameterNanometers(diffusionUm2PerS: d, temperatureCelsius: 25,
                                                     viscosityMillipascalSeconds: 0.8900)
        #expect(abs(back - 100) < 1e-9)
        #expect(PhysicalConstants.boltzmannJoulesPerKelvin == 1.380649e-23)
    }

    @Test("one kelvin of temperature error moves the diameter by 2.6–2.7 %")
    func temperatureSensitivity() {
        func size(_ t: Double) -> Double {
            StokesEinstein.diameterNanometers(diffusionUm2PerS: 4.4, temperatureCelsius: t,
                                              viscosityMillipascalSeconds: ViscosityModel.iapws.viscosityMillipascalSeconds(temperatureCelsius: t))
        }
        let change = size(25) / size(24) - 1
        #expect(change > 0.0255 && change < 0.0275)
    }
}

/// Access to the real instrument exports in ../shared/formats (absent on a user's clone).
enum SharedFormats {
    static let directory = InstrumentFiles.sharedFormats

    static var available: Bool { FileManager.default.fileExists(atPath: directory.path) }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The file decoded as Latin-1 (cp1252 for the characters these files use).
    static func latin1(_ name: String) throws -> String {
        let data = try Data(contentsOf: url(name))
        return String(data.map { Character(Unicode.Scalar($0)) })
    }
}
