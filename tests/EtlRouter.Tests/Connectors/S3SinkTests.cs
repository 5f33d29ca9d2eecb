using System.Text.Json;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Connectors;

/// <summary>
/// The S3 sink against a real S3-compatible server (s3rver) through real sidecars: batches become NDJSON objects
/// named by their records, so a sink killed mid-run and batches sent again leave every record in exactly one object.
/// </summary>
public sealed class S3SinkTests
{
    [Fact]
    public async Task A_sink_killed_mid_run_leaves_every_record_in_exactly_one_object()
    {
        using var s3 = await TestS3.CreateBucketAsync();
        await using var rig = await DataPlaneRig.StartAsync();
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "3000", "--rate", "1500");
        var sink = await rig.ConnectorAsync("s3-sink", "archive", "--bucket", s3.Bucket, "--prefix", "archive/", "--endpoint", s3.Endpoint, "--max-rate", "800");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", sink);
        await rig.ApplyAsync(Build("to-s3", stages: [Source("in", "gen"), Sink("out", "archive", "in")]));

        await Eventually.WaitUntil(async () => (await s3.KeysAsync("archive/")).Count >= 5, $"the first objects written\n{rig.Diagnostics()}");
        sink.Process.Kill();
        await sink.StartAsync();

        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 3000, $"every record acknowledged\n{rig.Diagnostics()}", TimeSpan.FromSeconds(60));
        var keys = await s3.KeysAsync("archive/");
        var ids = new List<string>();
        foreach (var key in keys)
        {
            Assert.Matches(@"^archive/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.ndjson$", key);
            foreach (var line in (await s3.GetAsync(key))!.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                ids.Add(JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!);
        }

        Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        Assert.Equal(3000, ids.Count);
    }
}
