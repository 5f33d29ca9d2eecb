namespace EtlRouter.Bench.DataPlane;

/// <summary>One run's figures.</summary>
public sealed record Measurement(string Setup, int RecordBytes, double RecordsPerSecond, double LatencyP50Ms, double LatencyP99Ms, IReadOnlyDictionary<string, long> PeakRss)
{
    public double MegabytesPerSecond => RecordsPerSecond * RecordBytes / 1_000_000.0;

    public string PeakRssText => string.Join(", ", PeakRss.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value / 1048576.0:0}"));
}
