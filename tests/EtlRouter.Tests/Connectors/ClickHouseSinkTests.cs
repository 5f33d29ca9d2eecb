using System.Globalization;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Google.Protobuf;
using Grpc.Net.Client;
using Xunit;
using Record = EtlRouter.Contracts.V1.Record;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Connectors;

/// <summary>
/// The ClickHouse sink against a real ClickHouse (Debian's clickhouse-server, started by the test) over its HTTP
/// interface: a batch written twice adds its records once, and a server killed mid-run and started again loses
/// and duplicates nothing.
/// </summary>
public sealed class ClickHouseSinkTests
{
    [Fact]
    public async Task A_batch_written_again_adds_each_record_once()
    {
        await using var clickhouse = await ClickHouseServer.StartAsync();
        using var sink = new ConnectorProcess("clickhouse", "analytics", ["--url", clickhouse.Url, "--table", "events"]);
        await sink.StartAsync();
        using var channel = GrpcChannel.ForAddress($"http://{sink.Endpoint}");
        var client = new SinkService.SinkServiceClient(channel);

        WriteRequest Batch(int from, int count)
        {
            var request = new WriteRequest { BatchId = (ulong)from };
            for (var i = from; i < from + count; i++)
                request.Records.Add(new Record { Id = $"r-{i}", Key = $"k{i % 3}", Value = ByteString.CopyFromUtf8($$"""{"i":{{i}},"note":"it's \\ fine"}"""), Origin = new RecordOrigin { Source = "test", Offset = i.ToString(CultureInfo.InvariantCulture) } });
            return request;
        }

        await client.WriteAsync(Batch(0, 100));
        await client.WriteAsync(Batch(0, 100));
        await client.WriteAsync(Batch(50, 100));

        Assert.Equal("150", (await clickhouse.QueryAsync("SELECT count() FROM default.events")).Trim());
        Assert.Equal("150", (await clickhouse.QueryAsync("SELECT uniqExact(id) FROM default.events")).Trim());
        Assert.Equal("{\"i\":7,\"note\":\"it\\'s \\\\\\\\ fine\"}\tk1\ttest\t7", (await clickhouse.QueryAsync("SELECT value, key, source, offset FROM default.events WHERE id = 'r-7'")).Trim());
    }

    [Fact]
    public async Task A_clickhouse_killed_mid_run_and_started_again_ends_with_every_record_once()
    {
        await using var clickhouse = await ClickHouseServer.StartAsync();
        await using var rig = await DataPlaneRig.StartAsync();
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "4000", "--rate", "1500");
        var sink = await rig.ConnectorAsync("clickhouse", "analytics", "--url", clickhouse.Url, "--table", "orders");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", sink);
        await rig.ApplyAsync(Build("to-clickhouse", maxRetries: 50, stages: [Source("in", "gen"), Sink("out", "analytics", "in")]));

        async Task<long> CountAsync(string what)
        {
            try
            {
                return long.Parse((await clickhouse.QueryAsync($"SELECT {what} FROM default.orders")).Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
            {
                return -1;
            }
        }

        await Eventually.WaitUntil(async () => await CountAsync("count()") >= 800, $"the first rows in ClickHouse\n{rig.Diagnostics()}");
        clickhouse.Process.Kill();
        await clickhouse.StartAgainAsync();

        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 4000, $"every record acknowledged\n{rig.Diagnostics()}", TimeSpan.FromSeconds(90));
        Assert.Equal(4000, await CountAsync("uniqExact(id)"));
        Assert.Equal(4000, await CountAsync("count()"));
        Assert.Empty(await rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = new PipelineRef { Namespace = "default", Name = "to-clickhouse" } }));
    }
}
