using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Tests.Support.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>Records flow end to end through real sidecars and connectors: every generated record, once.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task Three_stage_pipeline_delivers_exactly_the_generated_records_to_the_file_sink()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "5000", "--size", "100");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", files);

        await rig.ApplyAsync(Build("linear", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));

        var ids = await NdjsonFile.WaitForIdsAsync(output, 5000, rig.Diagnostics);
        Assert.Equal(5000, ids.Count);
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 5000, "the source acknowledged every record");
        Assert.Equal(0, await generator.StatAsync("outstanding"));
        Assert.DoesNotContain("user", File.ReadLines(output).First().Split("\"email\"")[1].Split(',')[0].Replace("***@", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
