import ArgumentParser
import NTA

@main
struct NTASize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nta-size",
        abstract: "Particle size and concentration from Nanoparticle Tracking Analysis data.",
        version: NTAVersion.string,
        subcommands: [Analyze.self, Batch.self, Simulate.self],
        defaultSubcommand: Analyze.self
    )
}
