using EtlRouter.Connectors.Sinks;
using Xunit;

namespace EtlRouter.Tests.Connectors;

/// <summary>The sink's latency percentiles: within the histogram's 0.1 % and reset by Clear.</summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_match_the_recorded_latencies()
    {
        var histogram = new LatencyHistogram();
        histogram.Add(Enumerable.Range(1, 1000).Select(ms => TimeSpan.FromMilliseconds(ms)));

        Assert.Equal(1000, histogram.Count);
        Assert.InRange(histogram.Percentile(50), 499.5, 500.5);
        Assert.InRange(histogram.Percentile(99), 989, 991);
    }

    [Fact]
    public void Clear_forgets_and_an_empty_histogram_reports_zero()
    {
        var histogram = new LatencyHistogram();
        histogram.Add([TimeSpan.FromSeconds(3), TimeSpan.FromHours(2), TimeSpan.FromTicks(-5)]);
        Assert.Equal(3, histogram.Count);
        Assert.InRange(histogram.Percentile(100), 599_000, 601_000); // clamped to the 10-minute ceiling, not thrown

        histogram.Clear();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.Percentile(99));
    }
}
