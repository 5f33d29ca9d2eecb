using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>Fan-out copies every record to each output; fan-in merges every input.</summary>
public sealed class FanOutFanInTests
{
    [Fact]
    public async Task Two_sources_merge_into_one_transform_whose_output_reaches_two_sinks_complete()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var first = Path.Combine(rig.Directory, "first.ndjson");
        var second = Path.Combine(rig.Directory, "second.ndjson");
        var orders = await rig.ConnectorAsync("generator", "orders", "--count", "1500");
        var users = await rig.ConnectorAsync("generator", "users", "--count", "1000", "--seed", "7");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var sinkA = await rig.ConnectorAsync("file", "archive", "--path", first);
        var sinkB = await rig.ConnectorAsync("file", "analytics", "--path", second);
        await rig.SidecarAsync("pod-orders", orders);
        await rig.SidecarAsync("pod-users", users);
        await rig.SidecarAsync("pod-mask", mask);
        await rig.SidecarAsync("pod-sinks", sinkA, sinkB);

        await rig.ApplyAsync(Build("graph", stages:
        [
            Source("orders", "orders"),
            Source("users", "users"),
            Transform("mask", "mask", "orders", "users"),
            Sink("archive", "archive", "mask"),
            Sink("analytics", "analytics", "mask"),
        ]));

        var expected = Enumerable.Range(0, 1500).Select(i => $"orders-{i}").Concat(Enumerable.Range(0, 1000).Select(i => $"users-{i}")).ToHashSet();
        foreach (var path in new[] { first, second })
        {
            var ids = await NdjsonFile.WaitForIdsAsync(path, expected.Count, rig.Diagnostics);
            Assert.Equal(expected, ids.ToHashSet());
            Assert.Equal(expected.Count, ids.Count);
        }

        await Eventually.WaitUntil(async () => await orders.StatAsync("acknowledged") == 1500 && await users.StatAsync("acknowledged") == 1000,
            "both sources acknowledged once both sinks wrote");
    }
}
