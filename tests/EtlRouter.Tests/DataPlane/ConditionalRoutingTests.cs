using System.Text.Json;
using EtlRouter.Contracts.Routing;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>
/// Conditional edges through real sidecars: a record reaches exactly the outputs whose condition holds for it,
/// by a field of its value or by a tag a transform attached; what no output takes is dead-lettered or dropped
/// as the pipeline says; and the source's acknowledgement waits for exactly the outputs a record went to.
/// </summary>
public sealed class ConditionalRoutingTests
{
    private static readonly string[] Europe = ["DE", "FR", "SE"];
    private static readonly string[] Americas = ["US", "BR"];
    private const string InEurope = "country == 'DE' or country == 'FR' or country == 'SE'";

    [Fact]
    public async Task Records_split_by_a_field_reach_exactly_their_sinks_even_while_a_branch_sidecar_is_killed()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var paths = new Dictionary<string, string>
        {
            ["europe"] = Path.Combine(rig.Directory, "europe.ndjson"),
            ["americas"] = Path.Combine(rig.Directory, "americas.ndjson"),
            ["asia-africa"] = Path.Combine(rig.Directory, "asia-africa.ndjson"),
        };
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "6000", "--rate", "1500");
        var europe = await rig.ConnectorAsync("file", "europe", "--path", paths["europe"]);
        var americas = await rig.ConnectorAsync("file", "americas", "--path", paths["americas"]);
        var rest = await rig.ConnectorAsync("file", "asia-africa", "--path", paths["asia-africa"]);
        await rig.SidecarAsync("pod-source", generator);
        var europePod = await rig.SidecarAsync("pod-europe", europe);
        await rig.SidecarAsync("pod-americas", americas);
        await rig.SidecarAsync("pod-rest", rest);
        await rig.ApplyAsync(Build("by-country", stages:
        [
            Source("in", "gen"),
            Sink("europe", "europe", "in").When("in", InEurope),
            Sink("americas", "americas", "in").When("in", "country == 'US' or country == 'BR'"),
            Sink("asia-africa", "asia-africa", "in").When("in", "not (" + InEurope + " or country == 'US' or country == 'BR')"),
        ]));

        // Kill the European branch's sidecar mid-run: what it had not acknowledged is resent once it is back. (The
        // source slows to the pace of its slowest output, as fan-out does: the other branches go on only until
        // the European edge's retained records reach twice its credit budget.)
        await Eventually.WaitUntil(() => NdjsonFile.Ids(paths["europe"]).Count >= 300, $"the first European records written\n{rig.Diagnostics()}");
        europePod.Process.Kill();
        Assert.True(NdjsonFile.Ids(paths["europe"]).Count < 6000 * 3 / 8, "the kill happened mid-run");
        europePod.Process.Start();

        await Eventually.WaitUntil(() => paths.Values.SelectMany(NdjsonFile.Ids).Distinct().Count() == 6000,
            $"every record in one of the three files\n{rig.Diagnostics()}", TimeSpan.FromSeconds(90));
        var seen = new Dictionary<string, string>();
        foreach (var (branch, path) in paths)
        {
            var lines = NdjsonFile.Lines(path);
            Assert.NotEmpty(lines);
            foreach (var (id, value, _) in lines)
            {
                var country = value.GetProperty("country").GetString()!;
                var expected = Europe.Contains(country) ? "europe" : Americas.Contains(country) ? "americas" : "asia-africa";
                Assert.True(expected == branch, $"{id} ({country}) reached {branch}, not {expected}");

                // A redelivery after the kill may repeat a record in its own branch; never in another.
                Assert.True(seen.TryAdd(id, branch) || seen[id] == branch, $"{id} reached both {seen.GetValueOrDefault(id)} and {branch}");
            }
        }

        Assert.Equal(Enumerable.Range(0, 6000).Select(i => $"gen-{i}").ToHashSet(), seen.Keys.ToHashSet());
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 6000 && await generator.StatAsync("outstanding") == 0,
            "the source acknowledged every record once its one branch wrote it");
        Assert.Empty(await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = new PipelineRef { Namespace = "default", Name = "by-country" } }));
    }

    [Fact]
    public async Task Tags_send_a_record_to_every_output_whose_condition_holds_and_what_none_takes_is_dead_lettered()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var europePath = Path.Combine(rig.Directory, "europe.ndjson");
        var bigPath = Path.Combine(rig.Directory, "big.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "2000");
        var tagger = await rig.ConnectorAsync("tag", "tagger", "--tags", JsonSerializer.Serialize(new Dictionary<string, string> { ["eu"] = InEurope, ["big"] = "amount >= 50000" }));
        var europe = await rig.ConnectorAsync("file", "europe", "--path", europePath);
        var big = await rig.ConnectorAsync("file", "big", "--path", bigPath);
        await rig.SidecarAsync("pod-source", generator, tagger);
        await rig.SidecarAsync("pod-sinks", europe, big);
        var pipeline = Build("by-tag", stages:
        [
            Source("in", "gen"),
            Transform("tagger", "tagger", "in"),
            Sink("europe", "europe", "tagger").When("tagger", "tag 'eu'"),
            Sink("big", "big", "tagger").When("tagger", "tag 'big'"),
        ]);
        await rig.ApplyAsync(pipeline);

        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 2000,
            $"the source acknowledged every record: written where it belongs or dead-lettered\n{rig.Diagnostics()}", TimeSpan.FromSeconds(60));
        var inEurope = NdjsonFile.Lines(europePath);
        var inBig = NdjsonFile.Lines(bigPath);
        var dead = await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = pipeline.Ref });

        // Without a failure, every record is written exactly once per output it belongs to.
        Assert.Equal(inEurope.Count, inEurope.Select(l => l.Id).Distinct().Count());
        Assert.Equal(inBig.Count, inBig.Select(l => l.Id).Distinct().Count());
        foreach (var (id, value, headers) in inEurope.Concat(inBig))
            Assert.Equal(ExpectedTags(value), RecordTags.Parse(headers.GetValueOrDefault(RecordTags.Header)).Order().ToList());
        Assert.All(inEurope, l => Assert.Contains("eu", ExpectedTags(l.Value)));
        Assert.All(inBig, l => Assert.Contains("big", ExpectedTags(l.Value)));
        Assert.All(dead, d => Assert.Empty(ExpectedTags(JsonDocument.Parse(d.Record.Value.Memory).RootElement)));
        var both = inEurope.Select(l => l.Id).Intersect(inBig.Select(l => l.Id)).Count();
        Assert.True(both > 0, "some records are both European and big, and reached both sinks");
        Assert.True(dead.Count > 0, "some records are neither, and were dead-lettered");
        Assert.Equal(2000, inEurope.Select(l => l.Id).Union(inBig.Select(l => l.Id)).Union(dead.Select(d => d.Record.Id)).Count());
        Assert.Equal(2000, inEurope.Count + inBig.Count - both + dead.Count);

        var reason = dead[0].Error;
        Assert.Contains("no output of stage 'tagger' takes the record: to 'europe' only when tag 'eu'; to 'big' only when tag 'big'", reason, StringComparison.Ordinal);
        Assert.Contains("set spec.unmatched: Drop", reason, StringComparison.Ordinal);
        Assert.Equal("tagger", dead[0].Stage);
    }

    [Fact]
    public async Task With_unmatched_drop_a_record_no_output_takes_is_acknowledged_and_discarded()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var europePath = Path.Combine(rig.Directory, "europe.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "1000");
        var europe = await rig.ConnectorAsync("file", "europe", "--path", europePath);
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", europe);
        var pipeline = Build("europe-only", stages: [Source("in", "gen"), Sink("europe", "europe", "in").When("in", InEurope)]);
        pipeline.Unmatched = UnmatchedRecords.Drop;
        await rig.ApplyAsync(pipeline);

        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 1000,
            $"the source acknowledged every record, kept or dropped\n{rig.Diagnostics()}", TimeSpan.FromSeconds(60));
        var written = NdjsonFile.Lines(europePath);
        Assert.InRange(written.Count, 1, 999);
        Assert.All(written, l => Assert.Contains(l.Value.GetProperty("country").GetString(), Europe));
        Assert.Empty(await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = pipeline.Ref }));
    }

    private static List<string> ExpectedTags(JsonElement value)
    {
        var tags = new List<string>();
        if (value.GetProperty("amount").GetDouble() >= 50000) tags.Add("big");
        if (Europe.Contains(value.GetProperty("country").GetString())) tags.Add("eu");
        return tags;
    }
}
