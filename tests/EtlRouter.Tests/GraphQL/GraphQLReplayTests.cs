using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.GraphQL;

/// <summary>Dead letters found, opened and replayed through GraphQL go back into their pipeline.</summary>
public sealed class GraphQLReplayTests
{
    [Fact]
    public async Task A_replay_through_GraphQL_sends_dead_letters_back_through_their_stage()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "1000");
        var broken = await rig.ConnectorAsync("filter", "check", "--expression", "exists seq", "--fail-every", "100");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-transform", broken);
        await rig.SidecarAsync("pod-sink", await rig.ConnectorAsync("file", "files", "--path", output));
        await rig.ApplyAsync(Build("poison", maxRetries: 1, stages: [Source("source", "gen"), Transform("check", "check", "source"), Sink("sink", "files", "check")]));
        using var client = new GraphQLClient(rig.RouterNode.HttpPort);

        const string List = """
            query($filter: DeadLetterFilter) { deadLetters(filter: $filter, first: 5) { total next items { id recordId stage error state } } }
            """;
        var filter = new { filter = new { pipeline = "default/poison", stage = "check", errorContains = "INJECTED" } };
        var page = await Eventually.WaitFor(async () =>
        {
            var d = (await client.DataAsync(List, filter)).GetProperty("deadLetters");
            return d.GetProperty("total").GetInt32() == 10 ? d : (System.Text.Json.JsonElement?)null;
        }, "ten dead letters listed", TimeSpan.FromSeconds(60), rig.Diagnostics);
        Assert.Equal(5, page!.Value.GetProperty("items").GetArrayLength());
        Assert.Equal("5", page.Value.GetProperty("next").GetString());
        var first = page.Value.GetProperty("items")[0];
        Assert.Equal("FAILED", first.GetProperty("state").GetString());
        Assert.Contains("injected failure", first.GetProperty("error").GetString(), StringComparison.Ordinal);

        var opened = (await client.DataAsync("""query($id: String!) { deadLetter(id: $id) { recordId value attempts headers { name } } }""",
            new { id = first.GetProperty("id").GetString() })).GetProperty("deadLetter");
        Assert.Equal(first.GetProperty("recordId").GetString(), opened.GetProperty("recordId").GetString());
        Assert.Contains("\"seq\"", opened.GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, opened.GetProperty("attempts").GetInt32());

        // Fix the transform, then replay through GraphQL: every dead letter goes through and leaves the queue.
        broken.Process.Kill();
        using var fixedTransform = new ConnectorProcess("filter", "check", ["--expression", "exists seq"], broken.Port, broken.HttpPort);
        await fixedTransform.StartAsync();
        var replayed = await client.DataAsync("""mutation { replayDeadLetters(filter: {pipeline: "default/poison"}) { count } }""");
        Assert.Equal(10, replayed.GetProperty("replayDeadLetters").GetProperty("count").GetInt32());

        var ids = await NdjsonFile.WaitForIdsAsync(output, 1000, rig.Diagnostics);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        await Eventually.WaitUntil(async () => (await client.DataAsync(List, new { filter = new { pipeline = "default/poison" } }))
            .GetProperty("deadLetters").GetProperty("total").GetInt32() == 0, "the replayed dead letters resolved");
    }
}
