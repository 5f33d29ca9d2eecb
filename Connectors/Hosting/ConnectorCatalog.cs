using EtlRouter.Connectors.Kafka;
using EtlRouter.Connectors.Sinks;
using EtlRouter.Connectors.Sources;
using EtlRouter.Connectors.Transforms;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Hosting;

/// <summary>The reference connectors by the name given on the command line.</summary>
internal static class ConnectorCatalog
{
    public sealed record Entry(StageKind Kind, string Summary, Func<ConnectorIdentity, ConnectorSettings, object> Create);

    public static readonly IReadOnlyDictionary<string, Entry> All = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["generator"] = new(StageKind.Source, "JSON records at a rate (--rate, --size, --count, --seed, --keyed)", (id, s) => new GeneratorSource(id, s)),
        ["s3"] = new(StageKind.Source, "objects under --prefix of --bucket, NDJSON or CSV, resumable by object and row (--endpoint, --format, --poll-seconds, --checkpoint-key)", (id, s) => new S3Source(id, s)),
        ["kafka"] = new(StageKind.Source, "--topic (or --topic-pattern) in a consumer group per pipeline stage, offsets committed only once delivered (--bootstrap-servers, --group-id, --start-from, --kafka.PROPERTY)", (id, s) => new KafkaSource(id, s)),
        ["http"] = new(StageKind.Source, "POST /ingest JSON or NDJSON on --http-port; answers once delivered", (id, s) => new HttpSource(id, s)),
        ["filter"] = new(StageKind.Transform, "keeps records matching --expression (status == 'active' and amount >= 10)", (_, s) => new FilterTransform(s)),
        ["mask-pii"] = new(StageKind.Transform, "masks e-mails, phones and cards; --fields redacts named fields whole", (_, s) => new MaskPiiTransform(s)),
        ["tag"] = new(StageKind.Transform, "tags records for conditional edges (--tags {\"eu\": \"country == 'DE'\"})", (_, s) => new TagTransform(s)),
        ["pass"] = new(StageKind.Transform, "passes records on unchanged", (_, s) => new PassTransform(s)),
        ["enrich"] = new(StageKind.Transform, "merges fields from a lookup table (--table-file, --key-field, --target)", (_, s) => new EnrichTransform(s)),
        ["file"] = new(StageKind.Sink, "appends NDJSON to --path, flushed per batch", (_, s) => new FileSink(s)),
        ["discard"] = new(StageKind.Sink, "acknowledges and drops records (benchmarks)", (_, s) => new DiscardSink(s)),
        ["s3-sink"] = new(StageKind.Sink, "one NDJSON object per batch under --prefix of --bucket, named by its record ids (--endpoint)", (_, s) => new S3Sink(s)),
        ["clickhouse"] = new(StageKind.Sink, "inserts into --table over ClickHouse's HTTP interface (--url), once per record id", (_, s) => new ClickHouseSink(s)),
        ["kafka-sink"] = new(StageKind.Sink, "an idempotent producer to --topic (or a record's --topic-header / --topic-field); acknowledged once the broker confirms (--bootstrap-servers, --kafka.PROPERTY)", (_, s) => new KafkaSink(s)),
        ["postgres"] = new(StageKind.Sink, "inserts into --table over --connection, once per record id", (_, s) => new PostgresSink(s)),
    };

    public static string Usage() =>
        "usage: etl-connector CONNECTOR [--name NAME] [--port PORT] [--http-port PORT] [--bind ADDRESS] [settings]\n\nconnectors:\n" +
        string.Join("\n", All.Select(e => $"  {e.Key,-10} {e.Value.Kind.ToString().ToLowerInvariant(),-10} {e.Value.Summary}")) +
        "\n\nStage options in the pipeline override settings of the same name, call by call.";
}
