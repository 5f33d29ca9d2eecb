using System.Net;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Connectors.Kafka;
using EtlRouter.Connectors.Sinks;
using EtlRouter.Connectors.Sources;
using EtlRouter.Contracts.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// etl-connector: one reference connector per process, a gRPC service a sidecar discovers and calls.
if (args.Length == 0 || args[0] is "-h" or "--help" || !ConnectorCatalog.All.TryGetValue(args[0], out var entry))
{
    Console.Error.WriteLine(args.Length > 0 && args[0] is not ("-h" or "--help") ? $"etl-connector: unknown connector '{args[0]}'\n" : "");
    Console.Error.WriteLine(ConnectorCatalog.Usage());
    return args.Length > 0 && args[0] is "-h" or "--help" ? 0 : 2;
}

ConnectorSettings settings;
ConnectorIdentity identity;
object service;
int port;
int httpPort;
IPAddress bind;
try
{
    settings = ConnectorSettings.Parse(args.Skip(1));
    identity = new ConnectorIdentity(settings.Text("name", args[0]), entry.Kind, typeof(ConnectorCatalog).Assembly.GetName().Version?.ToString(3) ?? "0.1.0");
    port = (int)settings.Number("port", ConnectorSettings.DefaultPort, 1, 65535);
    httpPort = (int)settings.Number("http-port", 0, 0, 65535);
    bind = IPAddress.TryParse(settings.Text("bind", "127.0.0.1"), out var ip) ? ip : throw new ConnectorSettingsException("bind: not an IP address, e.g. 127.0.0.1 or 0.0.0.0");
    if (entry.Create == ConnectorCatalog.All["http"].Create && httpPort == 0) throw new ConnectorSettingsException("http-port: the http source needs --http-port for POST /ingest");
    service = entry.Create(identity, settings);
}
catch (ConnectorSettingsException e)
{
    Console.Error.WriteLine($"etl-connector {args[0]}: {e.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(bind, port, listen => listen.Protocols = HttpProtocols.Http2);
    if (httpPort > 0) kestrel.Listen(bind, httpPort, listen => listen.Protocols = HttpProtocols.Http1);
    kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
    // The sidecar streams whole batches in and out: windows as wide as the sidecar's own (Sidecar/Program.cs)
    // spare a WINDOW_UPDATE round trip every few batches of 1 KiB records.
    kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
    kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
});
builder.Services.AddSingleton(identity);
builder.Services.AddSingleton(service.GetType(), service);
builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 64 * 1024 * 1024);

var app = builder.Build();
app.MapGrpcService<ServiceInfoService>();
switch (service)
{
    case GeneratorSource: app.MapGrpcService<GeneratorSource>(); break;
    case S3Source: app.MapGrpcService<S3Source>(); break;
    case KafkaSource: app.MapGrpcService<KafkaSource>(); break;
    case HttpSource http:
        app.MapGrpcService<HttpSource>();
        app.MapPost("/ingest", (HttpRequest request, CancellationToken token) => http.IngestAsync(request, token));
        break;
    case EtlRouter.Connectors.Transforms.FilterTransform: app.MapGrpcService<EtlRouter.Connectors.Transforms.FilterTransform>(); break;
    case EtlRouter.Connectors.Transforms.MaskPiiTransform: app.MapGrpcService<EtlRouter.Connectors.Transforms.MaskPiiTransform>(); break;
    case EtlRouter.Connectors.Transforms.EnrichTransform: app.MapGrpcService<EtlRouter.Connectors.Transforms.EnrichTransform>(); break;
    case EtlRouter.Connectors.Transforms.PassTransform: app.MapGrpcService<EtlRouter.Connectors.Transforms.PassTransform>(); break;
    case EtlRouter.Connectors.Transforms.TagTransform: app.MapGrpcService<EtlRouter.Connectors.Transforms.TagTransform>(); break;
    case FileSink: app.MapGrpcService<FileSink>(); break;
    case DiscardSink: app.MapGrpcService<DiscardSink>(); break;
    case PostgresSink: app.MapGrpcService<PostgresSink>(); break;
    case S3Sink: app.MapGrpcService<S3Sink>(); break;
    case ClickHouseSink: app.MapGrpcService<ClickHouseSink>(); break;
    case KafkaSink: app.MapGrpcService<KafkaSink>(); break;
    default:
        // A catalog entry without its service mapped here would answer every call Unimplemented.
        throw new InvalidOperationException($"etl-connector {args[0]}: {service.GetType().Name} is in the catalog but not mapped in Program.cs");
}

app.MapGet("/healthz", () => Results.Text("ok"));
app.MapPost("/stats/reset-latency", () =>
{
    (service as RecordSink)?.Latency.Clear();
    return Results.Ok();
});
app.MapGet("/stats", () => service switch
{
    GeneratorSource g => Results.Json(new { name = identity.Name, generated = g.Generated, sent = g.Sent, acknowledged = g.Acknowledged, outstanding = g.Outstanding, redelivered = g.Redelivered, sessions = g.Sessions }),
    S3Source s3 => Results.Json(new { name = identity.Name, sent = s3.Sent, acknowledged = s3.Acknowledged, outstanding = s3.Outstanding, redelivered = s3.Redelivered, sessions = s3.Sessions, objectsRead = s3.ObjectsRead, resumedFrom = s3.ResumedFrom?.ToString(), checkpoint = s3.Checkpoint?.ToString() }),
    KafkaSource kafka => Results.Json(new
    {
        name = identity.Name, sent = kafka.Sent, acknowledged = kafka.Acknowledged, outstanding = kafka.Outstanding, redelivered = kafka.Redelivered, sessions = kafka.Sessions,
        assignedPartitions = kafka.AssignedPartitions, commits = kafka.Commits, failure = kafka.Failure,
        partitions = kafka.Positions.Select(p => new { partition = p.Partition.ToString(), committable = p.Committable, inFlight = p.InFlight }),
    }),
    KafkaSink sink => Results.Json(new { name = identity.Name, written = sink.Written, delivered = sink.Delivered, largestBatch = sink.LargestBatch, streamedBatches = sink.StreamedBatches }),
    PullSource s => Results.Json(new { name = identity.Name, sent = s.Sent, acknowledged = s.Acknowledged, outstanding = s.Outstanding, redelivered = s.Redelivered, sessions = s.Sessions }),
    RecordSink k => Results.Json(new { name = identity.Name, written = k.Written, largestBatch = k.LargestBatch, unaryBatches = k.UnaryBatches, streamedBatches = k.StreamedBatches, latencyP50Ms = k.Latency.Percentile(50), latencyP99Ms = k.Latency.Percentile(99), latencySamples = k.Latency.Count }),
    EtlRouter.Connectors.Transforms.RecordTransform t => Results.Json(new { name = identity.Name, unaryBatches = t.UnaryBatches, streamedBatches = t.StreamedBatches }),
    _ => Results.Json(new { name = identity.Name }),
});
Console.WriteLine($"etl-connector {args[0]}: {identity.Kind.ToString().ToLowerInvariant()} '{identity.Name}' on {bind}:{port}" + (httpPort > 0 ? $", HTTP on {bind}:{httpPort}" : ""));
await app.RunAsync();
return 0;
