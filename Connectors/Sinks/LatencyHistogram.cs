using HdrHistogram;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// End-to-end latencies (event time to write) in an HDR histogram: recording is constant time and a percentile
/// costs the same whatever the count, so the benchmark's /stats polls (every 20 ms) take nothing measurable from
/// the pipeline they measure.
/// </summary>
public sealed class LatencyHistogram
{
    // Microseconds, from 1 µs to 10 minutes, three significant digits (0.1 % error).
    private static readonly long Highest = (long)TimeSpan.FromMinutes(10).TotalMicroseconds;
    private readonly LongHistogram histogram = new(Highest, 3);
    private readonly Lock gate = new();

    public long Count
    {
        get { lock (gate) return histogram.TotalCount; }
    }

    /// <summary>Records one batch's latencies under one lock.</summary>
    public void Add(IEnumerable<TimeSpan> latencies)
    {
        lock (gate)
        {
            foreach (var latency in latencies) histogram.RecordValue(Math.Clamp((long)latency.TotalMicroseconds, 1, Highest));
        }
    }

    /// <summary>Forgets what was measured so far (e.g. after a warm-up).</summary>
    public void Clear()
    {
        lock (gate) histogram.Reset();
    }

    /// <summary>The <paramref name="p"/>th percentile in milliseconds, 0 while nothing was recorded.</summary>
    public double Percentile(double p)
    {
        lock (gate)
        {
            return histogram.TotalCount == 0 ? 0 : Math.Round(histogram.GetValueAtPercentile(p) / 1000.0, 2);
        }
    }
}
