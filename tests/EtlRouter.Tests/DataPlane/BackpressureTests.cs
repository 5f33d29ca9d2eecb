using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>A sink ten times slower than its source stalls the pipeline back to the source; memory stays flat.</summary>
public sealed class BackpressureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_sink_ten_times_slower_than_its_source_slows_the_source_and_keeps_memory_bounded()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var path = Path.Combine(rig.Directory, "slow.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--rate", "4000", "--size", "1024");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", path, "--max-rate", "400");
        var sidecars = new[]
        {
            await rig.SidecarAsync("pod-source", generator),
            await rig.SidecarAsync("pod-transform", mask),
            await rig.SidecarAsync("pod-sink", files),
        };
        await rig.ApplyAsync(Build("slow", maxInFlight: 400, batchSize: 50, stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));
        await Eventually.WaitUntil(() => NdjsonFile.Ids(path).Count > 0, "the first records written");

        // Sample every sidecar's RSS for 12 s while the source could produce 10x what the sink takes.
        var peaks = new long[sidecars.Length];
        var firstHalf = new long[sidecars.Length];
        var started = DateTime.UtcNow;
        var sentAtStart = await generator.StatAsync("sent");
        var writtenAtStart = await files.StatAsync("written");
        long sentMid = 0, writtenMid = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(12))
        {
            for (var i = 0; i < sidecars.Length; i++)
            {
                var rss = sidecars[i].Process.ResidentBytes() ?? throw new InvalidOperationException($"{sidecars[i].Id} died\n{rig.Diagnostics()}");
                peaks[i] = Math.Max(peaks[i], rss);
                if (DateTime.UtcNow - started < TimeSpan.FromSeconds(6)) firstHalf[i] = Math.Max(firstHalf[i], rss);
            }

            if (sentMid == 0 && DateTime.UtcNow - started >= TimeSpan.FromSeconds(6))
            {
                sentMid = await generator.StatAsync("sent");
                writtenMid = await files.StatAsync("written");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        var sent = await generator.StatAsync("sent") - sentMid;
        var written = await files.StatAsync("written") - writtenMid;
        for (var i = 0; i < sidecars.Length; i++)
            output.WriteLine($"{sidecars[i].Id}: peak RSS {peaks[i] / 1048576.0:0.0} MiB (first half {firstHalf[i] / 1048576.0:0.0} MiB)");
        output.WriteLine($"second half: source sent {sent}, sink wrote {written}; whole run sent {await generator.StatAsync("sent") - sentAtStart}, wrote {await files.StatAsync("written") - writtenAtStart}");

        // The source's pull rate dropped to the sink's: over 6 s it sent about what the sink wrote (not 10x).
        Assert.InRange(sent, written * 0.5, written * 1.5 + 400);
        Assert.InRange(written, 400 * 6 * 0.5, 400 * 6 * 1.5);
        for (var i = 0; i < sidecars.Length; i++)
        {
            // Bounded: well under a budget-sized ceiling, and not growing after the first half.
            Assert.True(peaks[i] < 250L << 20, $"{sidecars[i].Id} peaked at {peaks[i] >> 20} MiB");
            Assert.True(peaks[i] <= firstHalf[i] + (24L << 20), $"{sidecars[i].Id} grew from {firstHalf[i] >> 20} to {peaks[i] >> 20} MiB");
        }
    }
}
