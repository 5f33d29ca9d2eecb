using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Connectors.Sinks;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Kafka;

/// <summary>
/// Produces each record to Kafka with an idempotent producer (enable.idempotence, acks=all): to --topic, or to the
/// topic named by the record's header --topic-header or its JSON value's field --topic-field (falling back to
/// --topic). The record key is the message key, headers are carried, the event time is the message time. A record
/// is acknowledged only once the broker's delivery report says it was written; one that fails is reported failed
/// with the broker's error, so the sidecar retries it and, past maxRetries, dead-letters it.
/// </summary>
internal sealed class KafkaSink : RecordSink, IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> producer;
    private readonly string? topic;
    private readonly string? topicHeader;
    private readonly string? topicField;

    public KafkaSink(ConnectorSettings settings) : base(settings)
    {
        topic = settings.Text("topic");
        topicHeader = settings.Text("topic-header");
        topicField = settings.Text("topic-field");
        if (topic is null && topicHeader is null && topicField is null)
            throw new ConnectorSettingsException("topic: not set; give --topic NAME, or --topic-header / --topic-field with --topic as the fallback");
        var config = new ProducerConfig
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            // Past this a send is reported failed and the sidecar's retry (then the DLQ) takes over.
            MessageTimeoutMs = (int)settings.Number("message-timeout-ms", 30_000, 1_000, 900_000),
        };
        KafkaSettings.Apply(config, settings);
        producer = KafkaSettings.Checked(settings, () => new ProducerBuilder<byte[]?, byte[]?>(config).Build());
    }

    /// <summary>Messages the broker confirmed.</summary>
    public long Delivered => Interlocked.Read(ref delivered);

    private long delivered;

    protected override async Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var sends = new Task<DeliveryResult<byte[]?, byte[]?>>[request.Records.Count];
        for (var i = 0; i < request.Records.Count; i++)
        {
            var record = request.Records[i];
            var message = new Message<byte[]?, byte[]?>
            {
                Key = record.Key.Length > 0 ? Encoding.UTF8.GetBytes(record.Key) : null,
                Value = record.Value.ToByteArray(),
                Headers = [],
            };
            foreach (var (name, value) in record.Headers) message.Headers.Add(name, Encoding.UTF8.GetBytes(value));
            if (record.EventTime is not null) message.Timestamp = new Timestamp(record.EventTime.ToDateTime());
            sends[i] = TopicOf(record) is { } target
                ? producer.ProduceAsync(target, message, cancellationToken)
                : Task.FromException<DeliveryResult<byte[]?, byte[]?>>(new InvalidOperationException($"no topic: the record has no {topicHeader ?? topicField} and no --topic is set"));
        }

        var failures = new List<RecordError>();
        for (var i = 0; i < sends.Length; i++)
        {
            try
            {
                await sends[i];
                Interlocked.Increment(ref delivered);
            }
            catch (ProduceException<byte[]?, byte[]?> e)
            {
                failures.Add(new RecordError { RecordId = request.Records[i].Id, Message = $"Kafka did not take the message: {e.Error.Reason} ({e.Error.Code})" });
            }
            catch (InvalidOperationException e)
            {
                failures.Add(new RecordError { RecordId = request.Records[i].Id, Message = e.Message, Permanent = true });
            }
        }

        return failures;
    }

    private string? TopicOf(Record record)
    {
        if (topicHeader is not null && record.Headers.TryGetValue(topicHeader, out var fromHeader) && fromHeader.Length > 0) return fromHeader;
        if (topicField is not null && FieldOf(record, topicField) is { Length: > 0 } fromField) return fromField;
        return topic;
    }

    private static string? FieldOf(Record record, string field)
    {
        try
        {
            using var json = JsonDocument.Parse(record.Value.Memory);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(10));
        producer.Dispose();
    }
}
