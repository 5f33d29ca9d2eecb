using System.Text;
using System.Text.Json;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Connectors;

/// <summary>
/// The S3 source against a real S3-compatible server (s3rver, started by `make test`) through real sidecars:
/// objects under a prefix in key order, NDJSON and CSV, and a restart that resumes from the checkpointed object
/// and row instead of the beginning.
/// </summary>
public sealed partial class S3SourceTests
{
    [Fact]
    public async Task Objects_under_the_prefix_are_read_in_key_order_as_ndjson_and_csv_rows()
    {
        using var s3 = await TestS3.CreateBucketAsync();
        await s3.PutAsync("in/2026-12-01.ndjson", "{\"n\":1,\"country\":\"DE\"}\n{\"n\":2,\"country\":\"FR\"}\n\n{\"n\":4,\"country\":\"US\"}\n");
        await s3.PutAsync("in/2026-12-02.csv", "id,city,amount,vip\n7,\"Berlin, DE\",12.5,true\n8,Lyon,3,false\n");
        await s3.PutAsync("elsewhere/skip.ndjson", "{\"n\":99}\n");

        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var source = await rig.ConnectorAsync("s3", "orders-s3", "--bucket", s3.Bucket, "--prefix", "in", "--endpoint", s3.Endpoint, "--poll-seconds", "0");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", source);
        await rig.SidecarAsync("pod-sink", files);
        await rig.ApplyAsync(Build("from-s3", stages: [Source("in", "orders-s3"), Sink("out", "files", "in")]));

        var lines = await Eventually.WaitFor(() => Task.FromResult(NdjsonFile.Lines(output) is { Count: >= 5 } l ? l : null), $"five rows written\n{rig.Diagnostics()}");
        var prefix = $"s3://{s3.Bucket}/in/";
        Assert.Equal(
            [prefix + "2026-12-01.ndjson#1", prefix + "2026-12-01.ndjson#2", prefix + "2026-12-01.ndjson#4", prefix + "2026-12-02.csv#1", prefix + "2026-12-02.csv#2"],
            lines.Select(l => l.Id).ToList());
        Assert.Equal("US", lines[2].Value.GetProperty("country").GetString());
        var berlin = lines[3].Value;
        Assert.Equal("Berlin, DE", berlin.GetProperty("city").GetString());
        Assert.Equal(12.5, berlin.GetProperty("amount").GetDouble());
        Assert.Equal(JsonValueKind.True, berlin.GetProperty("vip").ValueKind);

        // Every row acknowledged: the checkpoint names the row after the last one.
        await Eventually.WaitUntil(async () => await s3.GetAsync("_etl-checkpoints/orders-s3.json") is { } saved && saved.Contains("\"Row\":3", StringComparison.Ordinal) && saved.Contains("2026-12-02.csv", StringComparison.Ordinal),
            "the checkpoint at the end of the last object");
        Assert.Equal(5, await source.StatAsync("acknowledged"));
    }

    [Fact]
    public async Task A_restarted_source_resumes_from_the_checkpointed_object_and_row_and_loses_nothing()
    {
        using var s3 = await TestS3.CreateBucketAsync();
        for (var part = 1; part <= 3; part++)
        {
            var rows = new StringBuilder();
            for (var i = 1; i <= 1000; i++) rows.Append($"{{\"part\":{part},\"row\":{i}}}\n");
            await s3.PutAsync($"in/part-{part}.ndjson", rows.ToString());
        }

        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var source = await rig.ConnectorAsync("s3", "parts", "--bucket", s3.Bucket, "--prefix", "in/", "--endpoint", s3.Endpoint, "--poll-seconds", "0");
        // Slow enough (15 s for the 3,000 rows) that the source is caught between objects, not after the last one.
        var files = await rig.ConnectorAsync("file", "files", "--path", output, "--max-rate", "200");
        await rig.SidecarAsync("pod-source", source);
        await rig.SidecarAsync("pod-sink", files);
        var pipeline = Build("parts", stages: [Source("in", "parts"), Sink("out", "files", "in")]);
        await rig.ApplyAsync(pipeline);
        await rig.WaitAssignedAsync(pipeline.Ref);

        // Past the first object, with a checkpoint saved and rows still to read: kill -9 the source and start it
        // again on its port. (Under load the checkpoint may already be in the third object: any place after the
        // first object and before the end tests the resume.)
        string? checkpoint = null;
        await Eventually.WaitUntil(async () => NdjsonFile.Ids(output).Count >= 1200 && (checkpoint = await s3.GetAsync("_etl-checkpoints/parts.json")) is { } saved
                && Position(saved) is > 1000 and <= 3000,
            "1,200 rows written and a checkpoint past the first object, before the end", TimeSpan.FromSeconds(60),
            () => $"{NdjsonFile.Ids(output).Count} rows written, checkpoint {checkpoint ?? "none"}\n{rig.Diagnostics()}");
        source.Process.Kill();
        await source.StartAsync();

        var ids = await NdjsonFile.WaitForIdsAsync(output, 3000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        var expected = Enumerable.Range(1, 3).SelectMany(part => Enumerable.Range(1, 1000).Select(row => $"s3://{s3.Bucket}/in/part-{part}.ndjson#{row}")).ToHashSet();
        Assert.Equal(expected, ids.ToHashSet());

        // The new process began at the checkpoint, not at the first row, and sent only what came after it.
        var stats = await source.StatsAsync();
        var resumed = stats.GetProperty("resumedFrom").GetString()!;
        var resumedPart = int.Parse(PartOf().Match(resumed).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var resumedRow = long.Parse(resumed[(resumed.LastIndexOf('#') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        // Rows before the resume point, counted over the objects: at least the whole first object.
        var before = ((resumedPart - 1) * 1000) + resumedRow - 1;
        Assert.True(before >= 1000, $"resumed at {resumed}, inside the first object");
        Assert.True(stats.GetProperty("sent").GetInt64() <= 3000 - before, $"sent {stats.GetProperty("sent")} after resuming at {resumed}");
        await Eventually.WaitUntil(async () => await source.StatAsync("acknowledged") == 3000 - before, "the rest acknowledged by the new process");
    }

    // A saved checkpoint ({"Key":"in/part-2.ndjson","Row":17}) as the number of the row it resumes at, 1 to 3001.
    private static long Position(string saved)
    {
        using var json = JsonDocument.Parse(saved);
        var part = int.Parse(PartOf().Match(json.RootElement.GetProperty("Key").GetString()!).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return ((part - 1) * 1000) + json.RootElement.GetProperty("Row").GetInt64();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"part-(\d+)\.ndjson")]
    private static partial System.Text.RegularExpressions.Regex PartOf();
}
