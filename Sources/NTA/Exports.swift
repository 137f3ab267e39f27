// `import NTA` gives a user every stage: the facade (``NTA``), the pipeline's
// results, the report writers, the readers and the simulator.
@_exported import NTACore
@_exported import NTADiffusion
@_exported import NTADistribution
@_exported import NTAPipeline
@_exported import NTAPopulations
@_exported import NTARead
@_exported import NTAReport
@_exported import NTASimulation
@_exported import NTATracks
