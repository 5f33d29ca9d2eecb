namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// A Kafka-protocol broker on loopback for a test: Testing/KafkaBroker (librdkafka's mock cluster) run as its own
/// process, so the connectors and kcat reach it over TCP like any broker. Killed on dispose.
/// </summary>
public sealed class KafkaBrokerProcess : IDisposable
{
    private readonly ChildProcess process;

    private KafkaBrokerProcess(ChildProcess process, string bootstrap)
    {
        this.process = process;
        BootstrapServers = bootstrap;
    }

    /// <summary>host:port,... of the brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>How many brokers the cluster has (ids 1 to this).</summary>
    public int Brokers => BootstrapServers.Split(',').Length;

    public string RecentOutput => process.RecentOutput;

    /// <summary>Starts the broker with the topics given as NAME:PARTITIONS and waits for its bootstrap line.</summary>
    public static async Task<KafkaBrokerProcess> StartAsync(params string[] topics)
    {
        var process = new ChildProcess(ChildProcess.Built("Testing/KafkaBroker", "EtlRouter.Testing.KafkaBroker"), topics.SelectMany(t => new[] { "--topic", t }), [])
        {
            AcceptsInput = true,
        };
        process.Start();
        string? bootstrap = null;
        await Eventually.WaitUntil(() => Task.FromResult((bootstrap = process.Printed("bootstrap ").FirstOrDefault(l => l.StartsWith("bootstrap ", StringComparison.Ordinal))?["bootstrap ".Length..]) is { Length: > 0 }),
            "the Kafka broker's bootstrap line", TimeSpan.FromSeconds(30), process.Describe);
        return new KafkaBrokerProcess(process, bootstrap!.Trim());
    }

    /// <summary>Takes every broker down (connections closed, new ones refused) and waits until the broker says so.</summary>
    public Task TakeDownAsync() => ControlAsync("down");

    /// <summary>Brings every broker back up.</summary>
    public Task BringUpAsync() => ControlAsync("up");

    public void Dispose() => process.Dispose();

    private async Task ControlAsync(string what)
    {
        for (var broker = 1; broker <= Brokers; broker++)
        {
            var said = $"broker {broker} {what}";
            var before = process.Printed(said).Count;
            await process.WriteLineAsync($"{what} {broker}");
            await Eventually.WaitUntil(() => Task.FromResult(process.Printed(said).Count > before), said, TimeSpan.FromSeconds(10), process.Describe);
        }
    }
}
