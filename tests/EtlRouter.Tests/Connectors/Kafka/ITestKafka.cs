namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>A Kafka broker a scenario runs against, with its topics made.</summary>
public interface ITestKafka : IAsyncDisposable
{
    /// <summary>host:port,... to give clients.</summary>
    string BootstrapServers { get; }

    /// <summary>What to show when a wait times out.</summary>
    string Describe();
}
