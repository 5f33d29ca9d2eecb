using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;

namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>
/// The same Kafka scenarios against Apache Kafka started by Testcontainers, where a Docker engine exists; without
/// one every scenario skips and says so (this machine has none, so no Apache Kafka has run them here).
/// </summary>
public sealed class OnApacheKafka : KafkaScenarios
{
    protected override async Task<ITestKafka> StartBrokerAsync(int partitions, params string[] topics)
    {
        if (NoDockerEngine() is { } reason) throw Xunit.Sdk.SkipException.ForSkip(reason);
        var container = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
        await container.StartAsync();
        var bootstrap = container.GetBootstrapAddress();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync(topics.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = 1 }));
        return new Broker(container, bootstrap);
    }

    // Testcontainers needs a Docker engine: DOCKER_HOST, or the default socket.
    private static string? NoDockerEngine() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock")
            ? null
            : "no Docker engine (neither DOCKER_HOST nor /var/run/docker.sock): Testcontainers cannot start Apache Kafka";

    private sealed class Broker(KafkaContainer container, string bootstrap) : ITestKafka
    {
        public string BootstrapServers => bootstrap;

        public string Describe() => $"Apache Kafka in container {container.Id}";

        public ValueTask DisposeAsync() => container.DisposeAsync();
    }
}
