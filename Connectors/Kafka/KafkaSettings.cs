using Confluent.Kafka;
using EtlRouter.Connectors.Hosting;

namespace EtlRouter.Connectors.Kafka;

/// <summary>
/// What both Kafka connectors read from their settings: --bootstrap-servers, and any librdkafka property given as
/// --kafka.NAME VALUE (security.protocol, ssl.ca.location, sasl.mechanism, sasl.username, ...), passed on as is so
/// every TLS and SASL setup librdkafka supports works. A property librdkafka does not know fails at start, naming it.
/// </summary>
internal static class KafkaSettings
{
    public const string PropertyPrefix = "kafka.";

    /// <summary>Properties the connectors set themselves: given by hand they would break a delivery promise.</summary>
    private static readonly HashSet<string> Owned = new(StringComparer.Ordinal)
    {
        "enable.auto.commit", "enable.auto.offset.store", "enable.idempotence", "acks", "group.id", "bootstrap.servers",
    };

    public static void Apply(ClientConfig config, ConnectorSettings settings)
    {
        config.BootstrapServers = settings.Text("bootstrap-servers")
            ?? throw new ConnectorSettingsException("bootstrap-servers: not set; give --bootstrap-servers host:port[,host:port]");
        foreach (var (name, value) in settings.WithPrefix(PropertyPrefix))
        {
            var property = name[PropertyPrefix.Length..];
            if (Owned.Contains(property))
                throw new ConnectorSettingsException($"{name}: the connector sets {property} itself (at-least-once depends on it); remove the setting");
            config.Set(property, value);
        }
    }

    /// <summary>Builds a client with the settings now, so one librdkafka refuses stops the connector at start, named.</summary>
    public static T Checked<T>(ConnectorSettings settings, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is KafkaException or ArgumentException or InvalidOperationException)
        {
            var given = settings.WithPrefix(PropertyPrefix).Select(p => "--" + p.Key).ToList();
            throw new ConnectorSettingsException($"the Kafka client refused its settings: {e.Message}" +
                (given.Count > 0 ? $" (Kafka properties given: {string.Join(", ", given)})" : string.Empty));
        }
    }

    /// <summary>The position of a record: topic/partition/offset, its id and its origin's offset.</summary>
    public static string PositionOf(TopicPartitionOffset at) => $"{at.Topic}/{at.Partition.Value}/{at.Offset.Value}";

    public static bool TryParsePosition(string text, out TopicPartition partition, out long offset)
    {
        partition = null!;
        offset = 0;
        var last = text.LastIndexOf('/');
        var middle = last > 0 ? text.LastIndexOf('/', last - 1) : -1;
        if (middle <= 0
            || !int.TryParse(text.AsSpan(middle + 1, last - middle - 1), out var number)
            || !long.TryParse(text.AsSpan(last + 1), out offset)) return false;
        partition = new TopicPartition(text[..middle], new Partition(number));
        return true;
    }
}
