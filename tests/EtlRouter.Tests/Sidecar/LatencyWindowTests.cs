using EtlRouter.Sidecar.Model;
using Xunit;

namespace EtlRouter.Tests.Sidecar;

/// <summary>The recent-latency window a stage's flow reports carry.</summary>
public sealed class LatencyWindowTests
{
    [Fact]
    public void Percentiles_are_of_the_last_512_samples()
    {
        var window = new LatencyWindow();
        Assert.Equal((0d, 0d), window.Percentiles());

        for (var i = 1; i <= 100; i++) window.Record(i);
        Assert.Equal((50d, 99d), window.Percentiles());

        // 1,000 more samples of 7 ms push every earlier one out.
        for (var i = 0; i < 1000; i++) window.Record(7);
        Assert.Equal((7d, 7d), window.Percentiles());
    }

    [Fact]
    public void Writers_on_many_threads_lose_no_slot_and_readers_never_fail()
    {
        var window = new LatencyWindow();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                window.Record(3);
                if (i % 1000 == 0) window.Percentiles();
            }
        });
        Assert.Equal((3d, 3d), window.Percentiles());
    }
}
