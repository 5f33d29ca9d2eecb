using System.Diagnostics;

namespace EtlRouter.Sidecar.Model;

/// <summary>
/// A stage's recent latencies (the last 512 batches of the last 15 s), for the p50 and p99 its flow reports carry
/// to the router and the dashboard. Prometheus gets every sample through the histograms; this only answers
/// "how slow is it now" without a metrics server. Recording takes no lock (it is on the record path, once per
/// batch); a reader racing a writer may see one slot half-written, which moves a percentile of 512 by nothing
/// that matters.
/// </summary>
internal sealed class LatencyWindow
{
    private const int Capacity = 512;
    private static readonly long Horizon = Stopwatch.Frequency * 15;
    private readonly (long At, double Ms)[] samples = new (long, double)[Capacity];
    private long written;

    public void Record(double milliseconds)
    {
        var slot = (Interlocked.Increment(ref written) - 1) & (Capacity - 1);
        samples[slot] = (Stopwatch.GetTimestamp(), milliseconds);
    }

    /// <summary>p50 and p99 of the recent samples; zeros when there are none.</summary>
    public (double P50, double P99) Percentiles()
    {
        var since = Stopwatch.GetTimestamp() - Horizon;
        var filled = (int)Math.Min(Interlocked.Read(ref written), Capacity);
        var recent = samples.Take(filled).Where(s => s.At >= since).Select(s => s.Ms).ToArray();
        if (recent.Length == 0) return (0, 0);
        Array.Sort(recent);
        return (At(recent, 0.50), At(recent, 0.99));

        static double At(double[] sorted, double quantile) => Math.Round(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(quantile * sorted.Length) - 1)], 2);
    }
}
