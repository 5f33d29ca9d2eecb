using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>A sidecar that dies or is stopped mid-stream causes redelivery, never loss.</summary>
public sealed class SidecarCrashTests
{
    [Fact]
    public async Task Stopping_the_source_sidecar_mid_run_exits_cleanly_and_loses_nothing()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "6000", "--rate", "3000");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        var sourcePod = await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", files);
        await rig.ApplyAsync(Build("stop", stages: [Source("source", "gen"), Sink("sink", "files", "source")]));

        await Eventually.WaitUntil(() => NdjsonFile.Ids(output).Count >= 1000, "the first records written");
        await sourcePod.Process.StopAsync();

        // SIGTERM mid-stream: the host stops every stage and exits 0; a cancelled gRPC call is not a failure.
        Assert.Equal(0, sourcePod.Process.ExitCode);
        Assert.False(sourcePod.Process.HasPrinted("Unhandled exception"), sourcePod.Process.RecentOutput);
        Assert.False(sourcePod.Process.HasPrinted("BackgroundService failed"), sourcePod.Process.RecentOutput);
        Assert.True(NdjsonFile.Ids(output).Count < 6000, "the stop happened mid-run");

        sourcePod.Process.Start();
        var ids = await NdjsonFile.WaitForIdsAsync(output, 6000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 6000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
    }

    [Fact]
    public async Task Stopping_a_receiving_sidecar_mid_stream_ends_within_seconds_not_its_shutdown_timeout()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "8000", "--rate", "3000");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        var transformPod = await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", files);
        await rig.ApplyAsync(Build("sigterm", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));

        await Eventually.WaitUntil(() => NdjsonFile.Ids(output).Count >= 1000, "the first records written");
        // SIGTERM while the source's edge streams into it: the inbound edge ends at once (Unavailable), so the host
        // does not wait out its 30 s shutdown timeout for a stream that never ends (a deleted pod used to linger).
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await transformPod.Process.StopAsync(TimeSpan.FromSeconds(40));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(8), $"the sidecar took {stopping.Elapsed.TotalSeconds:F1} s to stop");
        Assert.Equal(0, transformPod.Process.ExitCode);

        transformPod.Process.Start();
        var ids = await NdjsonFile.WaitForIdsAsync(output, 8000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 8000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
    }

    [Fact]
    public async Task Killing_the_transform_sidecar_mid_run_loses_nothing()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "8000", "--rate", "4000");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        var transformPod = await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", files);
        await rig.ApplyAsync(Build("crash", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));

        await Eventually.WaitUntil(() => NdjsonFile.Ids(output).Count >= 1500, "the first records written");
        transformPod.Process.Kill();
        var writtenAtCrash = NdjsonFile.Ids(output).Count;
        transformPod.Process.Start();

        var ids = await NdjsonFile.WaitForIdsAsync(output, 8000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        Assert.True(writtenAtCrash < 8000, "the crash happened mid-run");
        Assert.Equal(Enumerable.Range(0, 8000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 8000 && await generator.StatAsync("outstanding") == 0,
            "the source acknowledged every record after the crash");
    }

    [Fact]
    public async Task Killing_the_sink_sidecar_for_good_moves_the_sink_stage_to_its_other_replica()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var outputA = Path.Combine(rig.Directory, "a.ndjson");
        var outputB = Path.Combine(rig.Directory, "b.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "6000", "--rate", "3000");
        var filesA = await rig.ConnectorAsync("file", "files", "--path", outputA);
        var filesB = await rig.ConnectorAsync("file", "files", "--path", outputB);
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        await rig.SidecarAsync("pod-source", generator, mask);
        var podA = await rig.SidecarAsync("pod-sink-a", filesA);
        var podB = await rig.SidecarAsync("pod-sink-b", filesB);
        await rig.ApplyAsync(Build("failover", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));

        await Eventually.WaitUntil(() => NdjsonFile.Ids(outputA).Count + NdjsonFile.Ids(outputB).Count >= 1000, "the first records written");
        // Kill whichever pod runs the sink now (one replica), so the other must take over.
        var (victim, survivorOutput) = NdjsonFile.Ids(outputA).Count > 0 ? (podA, outputB) : (podB, outputA);
        victim.Process.Kill();

        // The lease (3 s here) expires; the router moves the sink to the other pod; unacked batches go there.
        await Eventually.WaitUntil(() => NdjsonFile.Ids(outputA).Concat(NdjsonFile.Ids(outputB)).Distinct().Count() == 6000,
            $"every record in one of the two files\n{rig.Diagnostics()}", TimeSpan.FromSeconds(60));
        Assert.NotEmpty(NdjsonFile.Ids(survivorOutput));
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 6000, "the source acknowledged every record");
    }
}
