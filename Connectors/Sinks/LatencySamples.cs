namespace EtlRouter.Connectors.Sinks;

/// <summary>The most recent end-to-end latencies (a ring of 200,000), for percentiles on /stats.</summary>
public sealed class LatencySamples
{
    private const int Capacity = 200_000;
    private readonly double[] ring = new double[Capacity];
    private long added;

    public long Count => Math.Min(Interlocked.Read(ref added), Capacity);

    public void Add(double milliseconds)
    {
        var slot = Interlocked.Increment(ref added) - 1;
        ring[slot % Capacity] = milliseconds;
    }

    /// <summary>Forgets what was measured so far (e.g. after a warm-up).</summary>
    public void Clear() => Interlocked.Exchange(ref added, 0);

    public double Percentile(double p)
    {
        var count = (int)Count;
        if (count == 0) return 0;
        var sorted = ring[..count];
        Array.Sort(sorted);
        return Math.Round(sorted[Math.Min(count - 1, (int)Math.Ceiling(p / 100 * count) - 1)], 2);
    }
}
