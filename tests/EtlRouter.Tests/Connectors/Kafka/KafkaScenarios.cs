using System.Text.Json;
using Confluent.Kafka;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>
/// The Kafka source and sink through real sidecars against a broker the subclass starts (librdkafka's mock cluster
/// here, Apache Kafka through Testcontainers where a Docker engine exists), driven from the outside by Debian's kcat:
/// messages produced by kcat come out of the pipeline in partition order per key, offsets are committed only once
/// records are delivered, a source killed mid-stream loses nothing, and a source stage scaled mid-stream neither.
/// </summary>
public abstract class KafkaScenarios
{
    private const int Partitions = 6;

    /// <summary>A broker holding the topics given, each with <paramref name="partitions"/> partitions.</summary>
    protected abstract Task<ITestKafka> StartBrokerAsync(int partitions, params string[] topics);

    [Fact]
    public async Task Messages_kcat_produced_reach_the_sink_topic_in_order_per_key_and_every_offset_is_committed()
    {
        Kcat.Require();
        await using var broker = await StartBrokerAsync(Partitions, "orders", "orders-out");
        const int count = 3000;
        await Kcat.ProduceAsync(broker.BootstrapServers, "orders", Messages(count));

        await using var rig = await DataPlaneRig.StartAsync();
        var source = await rig.ConnectorAsync("kafka", "orders-kafka", "--bootstrap-servers", broker.BootstrapServers, "--topic", "orders");
        var sink = await rig.ConnectorAsync("kafka-sink", "orders-out", "--bootstrap-servers", broker.BootstrapServers, "--topic", "orders-out");
        await rig.SidecarAsync("pod-source", source);
        await rig.SidecarAsync("pod-sink", sink);
        await rig.ApplyAsync(Build("kafka-to-kafka", stages: [Source("in", "orders-kafka"), Sink("out", "orders-out", "in")]));

        IReadOnlyList<(string Key, string Value, int Partition, long Offset)> read = [];
        await Eventually.WaitUntil(async () => (read = await Kcat.ReadAllAsync(broker.BootstrapServers, "orders-out")).Count >= count,
            $"{count} messages in orders-out", TimeSpan.FromSeconds(90), () => $"{read.Count} read back\n{rig.Diagnostics()}\nbroker:\n{broker.Describe()}");

        var numbers = read.Select(m => NumberOf(m.Value)).ToList();
        Assert.Equal(Enumerable.Range(0, count).ToHashSet(), numbers.ToHashSet());
        Assert.Equal(count, read.Count);
        // A key's messages keep their order: produced in rising n, read back in rising offset within the partition.
        foreach (var key in read.GroupBy(m => m.Key))
        {
            var inOrder = key.OrderBy(m => m.Partition).ThenBy(m => m.Offset).Select(m => NumberOf(m.Value)).ToList();
            Assert.Single(key.Select(m => m.Partition).Distinct());
            Assert.Equal(inOrder.Order().ToList(), inOrder);
        }

        // Every message delivered, so every partition's committed offset reaches its end: offsets 0..n-1 sum to the count.
        await Eventually.WaitUntil(() => Task.FromResult(CommittedTotal(broker.BootstrapServers, "etl.default.kafka-to-kafka.in", "orders") == count),
            "the group's commits at every partition's end", TimeSpan.FromSeconds(30), () => source.StatsAsync().GetAwaiter().GetResult().ToString());
        var stats = await source.StatsAsync();
        Assert.Equal(Partitions, stats.GetProperty("assignedPartitions").GetInt32());
        Assert.Equal(0, stats.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("inFlight").GetInt32()));
    }

    [Fact]
    public async Task A_source_killed_mid_stream_loses_nothing_and_the_idempotent_postgres_sink_holds_each_message_once()
    {
        Kcat.Require();
        var connection = TestPostgres.Require();
        var table = $"kafka_{Guid.NewGuid():N}"[..20];
        await using var broker = await StartBrokerAsync(Partitions, "users");
        const int count = 6000;
        await Kcat.ProduceAsync(broker.BootstrapServers, "users", Messages(count));

        await using var rig = await DataPlaneRig.StartAsync();
        var source = await rig.ConnectorAsync("kafka", "users-kafka", "--bootstrap-servers", broker.BootstrapServers, "--topic", "users");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        // Slow enough (20 s for the 6,000) that the kill lands mid-stream.
        var postgres = await rig.ConnectorAsync("postgres", "warehouse", "--connection", connection, "--table", table, "--max-rate", "300");
        await rig.SidecarAsync("pod-source", source);
        await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", postgres);
        await rig.ApplyAsync(Build("kafka-to-postgres", stages: [Source("in", "users-kafka"), Transform("mask", "mask", "in"), Sink("out", "warehouse", "mask")]));

        await Eventually.WaitUntil(async () => (await PostgresTables.IdsAsync(connection, table)).Count >= 1500, "the first rows in Postgres",
            TimeSpan.FromSeconds(60), rig.Diagnostics);
        source.Process.Kill();
        await source.StartAsync();

        await Eventually.WaitUntil(async () => (await PostgresTables.IdsAsync(connection, table)).Distinct().Count() >= count,
            "every message in Postgres", TimeSpan.FromSeconds(120), rig.Diagnostics);
        var ids = await PostgresTables.IdsAsync(connection, table);
        Assert.Equal(count, ids.Count);
        var expected = await Kcat.ReadAllAsync(broker.BootstrapServers, "users");
        Assert.Equal(expected.Select(m => $"users/{m.Partition}/{m.Offset}").ToHashSet(), ids.ToHashSet());

        // The restarted source resumed from the commits, so it read again at most the uncommitted window, not the topic.
        var again = await source.StatAsync("sent");
        Assert.True(again < count, $"the restarted source sent {again} of {count}: it did not resume from the committed offsets");
        // Asked of the broker: a restarted source knows only the partitions it read since, the group knows them all.
        await Eventually.WaitUntil(() => Task.FromResult(CommittedTotal(broker.BootstrapServers, "etl.default.kafka-to-postgres.in", "users") == count),
            "the group's commits at every partition's end", TimeSpan.FromSeconds(30), () => source.StatsAsync().GetAwaiter().GetResult().ToString());
    }

    [Fact]
    public async Task Scaling_the_source_stage_from_one_replica_to_three_and_back_while_records_flow_loses_nothing()
    {
        Kcat.Require();
        await using var broker = await StartBrokerAsync(Partitions, "events");
        const int count = 6000;
        await Kcat.ProduceAsync(broker.BootstrapServers, "events", Messages(count));

        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        // Three pods can run the source stage, each with its own Kafka connector; the stage's replicas say how many do.
        // The eager roundrobin assignor here: against librdkafka's mock cluster the default cooperative-sticky
        // assignor revoked partitions from the first member but never ran the second, incremental round that hands
        // them to the new ones (a real Kafka does; the Testcontainers path is where that is to be checked).
        var sources = new List<ConnectorProcess>();
        for (var pod = 0; pod < 3; pod++)
        {
            var source = await rig.ConnectorAsync("kafka", "events-kafka", "--bootstrap-servers", broker.BootstrapServers, "--topic", "events", "--leave-after-idle-seconds", "2", "--kafka.partition.assignment.strategy", "roundrobin");
            await rig.SidecarAsync($"pod-source-{pod}", source);
            sources.Add(source);
        }

        var files = await rig.ConnectorAsync("file", "files", "--path", output, "--max-rate", "250");
        await rig.SidecarAsync("pod-sink", files);
        var pipeline = Build("scaled", stages: [Source("in", "events-kafka"), Sink("out", "files", "in")]);
        await rig.ApplyAsync(pipeline);

        await NdjsonFile.WaitForIdsAsync(output, 1000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        await rig.ApplyAsync(Scaled(pipeline, replicas: 3, generation: 2));
        // Every replica reads: the group spread the six partitions over the three connectors.
        await Eventually.WaitUntil(async () => (await Task.WhenAll(sources.Select(s => s.StatsAsync()))).All(s => s.GetProperty("assignedPartitions").GetInt32() > 0),
            "the partitions spread over three replicas", TimeSpan.FromSeconds(60), rig.Diagnostics);
        await NdjsonFile.WaitForIdsAsync(output, 3000, rig.Diagnostics, TimeSpan.FromSeconds(60));
        await rig.ApplyAsync(Scaled(pipeline, replicas: 1, generation: 3));

        var ids = await NdjsonFile.WaitForIdsAsync(output, count, rig.Diagnostics, TimeSpan.FromSeconds(120));
        var expected = (await Kcat.ReadAllAsync(broker.BootstrapServers, "events")).Select(m => $"events/{m.Partition}/{m.Offset}").ToHashSet();
        Assert.Equal(expected, ids.ToHashSet());
        // One replica reads again: the two that stopped left the group and their partitions moved to it.
        await Eventually.WaitUntil(async () => (await Task.WhenAll(sources.Select(s => s.StatsAsync()))).Count(s => s.GetProperty("assignedPartitions").GetInt32() == Partitions) == 1,
            "all six partitions back on one replica", TimeSpan.FromSeconds(60), rig.Diagnostics);
    }

    private static EtlRouter.Contracts.V1.PipelineDefinition Scaled(EtlRouter.Contracts.V1.PipelineDefinition pipeline, uint replicas, long generation)
    {
        var next = pipeline.Clone();
        next.Generation = generation;
        next.Stages[0].Replicas = replicas;
        return next;
    }


    /// <summary>Keyed JSON messages: 50 keys, n rising, an e-mail for the PII mask to find.</summary>
    private static IEnumerable<(string Key, string Value)> Messages(int count) =>
        Enumerable.Range(0, count).Select(n => ($"user-{n % 50}", $"{{\"n\":{n},\"email\":\"user{n}@example.com\"}}"));

    private static int NumberOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("n").GetInt32();
    }

    /// <summary>The group's committed offsets over the topic's partitions, as the broker holds them (offsets from 0: the sum is the count done).</summary>
    private static long CommittedTotal(string bootstrap, string group, string topic)
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group, EnableAutoCommit = false }).Build();
        var committed = reader.Committed(Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.Sum(c => Math.Max(0, c.Offset.Value));
    }
}
