namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>The Kafka scenarios against librdkafka's mock cluster, a Kafka-protocol broker on loopback (Testing/KafkaBroker).</summary>
public sealed class OnMockKafkaBroker : KafkaScenarios
{
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
