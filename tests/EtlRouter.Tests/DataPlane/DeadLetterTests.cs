using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>Failing records are retried, dead-lettered with their error, and replayed once the cause is fixed.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task Every_hundredth_record_failing_lands_in_the_dead_letter_queue_and_a_replay_after_the_fix_delivers_it()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "2000");
        var broken = await rig.ConnectorAsync("filter", "check", "--expression", "exists seq", "--fail-every", "100");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-transform", broken);
        await rig.SidecarAsync("pod-sink", files);
        var pipeline = Build("poison", maxRetries: 2, stages: [Source("source", "gen"), Transform("check", "check", "source"), Sink("sink", "files", "check")]);
        await rig.ApplyAsync(pipeline);

        var failing = Enumerable.Range(0, 20).Select(i => $"gen-{i * 100}").ToHashSet();
        var ids = await NdjsonFile.WaitForIdsAsync(output, 2000 - failing.Count, rig.Diagnostics);
        Assert.Empty(ids.ToHashSet().Intersect(failing));
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 2000, "the source acknowledged all, failed ones included");

        var dead = await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = pipeline.Ref });
        Assert.Equal(failing, dead.Select(d => d.Record.Id).ToHashSet());
        Assert.All(dead, d =>
        {
            Assert.Equal("check", d.Stage);
            Assert.Contains("injected failure", d.Error, StringComparison.Ordinal);
            Assert.Equal(3u, d.Attempts);
            Assert.NotNull(d.FirstFailedAt);
            Assert.True(d.LastFailedAt.ToDateTime() >= d.FirstFailedAt.ToDateTime());
            Assert.Equal(DeadLetterState.Failed, d.State);
        });

        // Fix the transform (restart it without the fault) and replay: each dead letter goes through once.
        broken.Process.Kill();
        using (var fixedTransform = new ConnectorProcess("filter", "check", ["--expression", "exists seq"], broken.Port, broken.HttpPort))
        {
            await fixedTransform.StartAsync();
            await rig.RouterNode.DeadLetters.ReplayAsync(new ReplayDeadLettersRequest { Filter = new DeadLetterFilter { Pipeline = pipeline.Ref } });
            var all = await NdjsonFile.WaitForIdsAsync(output, 2000, rig.Diagnostics);
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"gen-{i}").ToHashSet(), all.ToHashSet());
            await Eventually.WaitUntil(async () => (await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = pipeline.Ref })).Count == 0,
                "the replayed dead letters resolved");
        }
    }
}
