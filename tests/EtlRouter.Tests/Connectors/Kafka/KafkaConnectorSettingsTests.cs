using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Connectors.Kafka;

/// <summary>The Kafka connectors refuse bad settings at start, naming the setting, before any broker is dialled.</summary>
public sealed class KafkaConnectorSettingsTests
{
    [Fact]
    public async Task A_setting_librdkafka_refuses_or_one_the_connector_owns_is_named_and_the_process_does_not_start()
    {
        var owned = await Connector.RunAsync("kafka", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--kafka.enable.auto.commit", "true");
        Assert.Equal(2, owned.ExitCode);
        Assert.Contains("kafka.enable.auto.commit", owned.Errors);
        Assert.Contains("at-least-once", owned.Errors);

        var missing = await Connector.RunAsync("kafka-sink", "--topic", "t");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("bootstrap-servers", missing.Errors);

        var start = await Connector.RunAsync("kafka", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--start-from", "yesterday");
        Assert.Equal(2, start.ExitCode);
        Assert.Contains("start-from: 'yesterday'", start.Errors);

        var unknown = await Connector.RunAsync("kafka-sink", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--kafka.no.such.property", "1");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("kafka.no.such.property", unknown.Errors);
    }

    private static class Connector
    {
        /// <summary>The connector run to its end (it refuses its settings at start), with what it printed.</summary>
        public static Task<ProcessRun.Result> RunAsync(params string[] arguments) =>
            ProcessRun.RunAsync("dotnet", [ChildProcess.Built("Connectors", "etl-connector"), .. arguments], TimeSpan.FromSeconds(30));
    }
}
