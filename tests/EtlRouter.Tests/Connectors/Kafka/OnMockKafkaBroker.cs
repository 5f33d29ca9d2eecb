using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>
/// The Kafka scenarios against librdkafka's mock cluster, a Kafka-protocol broker on loopback (Testing/KafkaBroker),
/// and what only its controls can show: every broker down mid-stream and back.
/// </summary>
public sealed class OnMockKafkaBroker : KafkaScenarios
{
    [Fact]
    public async Task With_every_broker_down_mid_stream_the_pipeline_waits_and_resumes_when_they_are_back_with_nothing_lost()
    {
        Kcat.Require();
        using var broker = await KafkaBrokerProcess.StartAsync("clicks:6", "clicks-out:6");
        const int count = 4000;
        await Kcat.ProduceAsync(broker.BootstrapServers, "clicks", Enumerable.Range(0, count).Select(n => ($"k{n % 20}", $"{{\"n\":{n}}}")));

        await using var rig = await DataPlaneRig.StartAsync();
        var source = await rig.ConnectorAsync("kafka", "clicks-kafka", "--bootstrap-servers", broker.BootstrapServers, "--topic", "clicks");
        var sink = await rig.ConnectorAsync("kafka-sink", "clicks-out", "--bootstrap-servers", broker.BootstrapServers, "--topic", "clicks-out", "--max-rate", "400");
        await rig.SidecarAsync("pod-source", source);
        await rig.SidecarAsync("pod-sink", sink);
        await rig.ApplyAsync(Build("clicks", stages: [Source("in", "clicks-kafka"), Sink("out", "clicks-out", "in")]));

        await Eventually.WaitUntil(async () => await sink.StatAsync("delivered") >= 1000, "1,000 messages delivered before the outage", TimeSpan.FromSeconds(60), rig.Diagnostics);
        await broker.TakeDownAsync();
        // The outage is seen: the sink's deliveries stop moving while the brokers are down.
        await Eventually.WaitUntil(() => Task.FromResult(source.Process.HasPrinted("brokers are down") || sink.Process.HasPrinted("brokers are down") || sink.Process.HasPrinted("Connection refused")),
            "a connector reporting the brokers down", TimeSpan.FromSeconds(60), () => $"source:\n{source.RecentOutput}\nsink:\n{sink.RecentOutput}");
        var duringOutage = await sink.StatAsync("delivered");
        Assert.True(duringOutage < count, $"all {count} delivered before the outage took hold");
        await broker.BringUpAsync();

        IReadOnlyList<(string Key, string Value, int Partition, long Offset)> read = [];
        await Eventually.WaitUntil(async () => (read = await Kcat.ReadAllAsync(broker.BootstrapServers, "clicks-out")).Select(m => m.Value).Distinct().Count() >= count,
            "every message in clicks-out after the brokers came back", TimeSpan.FromSeconds(120), () => $"{read.Count} read back\n{rig.Diagnostics()}");
        Assert.Equal(Enumerable.Range(0, count).Select(n => $"{{\"n\":{n}}}").ToHashSet(), read.Select(m => m.Value).ToHashSet());
    }

    protected override async Task<ITestKafka> StartBrokerAsync(int partitions, params string[] topics) =>
        new Broker(await KafkaBrokerProcess.StartAsync([.. topics.Select(t => $"{t}:{partitions}")]));

    private sealed class Broker(KafkaBrokerProcess process) : ITestKafka
    {
        public string BootstrapServers => process.BootstrapServers;

        public string Describe() => process.RecentOutput;

        public ValueTask DisposeAsync()
        {
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
