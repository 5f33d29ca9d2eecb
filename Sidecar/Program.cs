using System.Diagnostics.Metrics;
using System.Net.Security;
using EtlRouter.Contracts;
using EtlRouter.Contracts.Hosting;
using EtlRouter.Security.Kestrel;
using EtlRouter.Security.Tls;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Coordination;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Discovery;
using EtlRouter.Sidecar.Metrics;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Receive;
using EtlRouter.Sidecar.Security;
using EtlRouter.Sidecar.Send;
using EtlRouter.Sidecar.Stages;
using EtlRouter.Sidecar.Tracing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// etl-sidecar: discovers the pod's services, registers them, runs the stages the router assigns, and moves
// records to other sidecars under credits. Settings come from the environment (README, "Sidecar").
SidecarOptions options;
try
{
    options = SidecarOptions.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (SidecarConfigurationException e)
{
    Console.Error.WriteLine($"etl-sidecar: {e.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
builder.Logging.AddFilter("Grpc", LogLevel.Warning);
builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);

MutualTls? tls;
CertificateBootstrap? bootstrap = null;
// Not disposed: a sidecar that asked for its certificate logs its renewals through it.
var startupLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
try
{
    if (CertificateBootstrap.Applies(options))
    {
        // No certificate mounted: trade the pod's ServiceAccount token for one before serving anything.
        var certificates = new IdentityCertificates(options.Tls, TimeProvider.System, startupLogging.CreateLogger("EtlRouter.Security"));
        bootstrap = new CertificateBootstrap(options, certificates, startupLogging.CreateLogger<CertificateBootstrap>());
        using var stopping = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => stopping.Cancel();
        await bootstrap.IssueAsync(stopping.Token);
        tls = new MutualTls(certificates, startupLogging.CreateLogger("EtlRouter.Security"));
    }
    else
    {
        tls = TransportSecurity.Start(options.Tls, startupLogging);
    }
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"etl-sidecar: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    // Stopped while still waiting for a certificate: nothing to clean up.
    return 0;
}

var transport = new SidecarTransport(tls, options);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(options.BindAddress, options.GrpcPort, listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        // Only sidecars of this namespace may open edges; which stage each may feed is checked per edge.
        if (tls is not null) listen.UseMutualTls(tls, "data-plane", SslApplicationProtocol.Http2, transport.IsPeerSidecar);
    });
    kestrel.Listen(options.BindAddress, options.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
    kestrel.Limits.MaxRequestBodySize = options.MaxMessageBytes;
    // Many edges share one connection: allow many concurrent streams and large windows.
    kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
    kestrel.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
    kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
});

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(transport);
if (bootstrap is not null) builder.Services.AddHostedService(_ => bootstrap);
builder.Services.AddSingleton<LocalServices>();
builder.Services.AddSingleton<ServiceScanner>();
builder.Services.AddSingleton<RouterClients>();
builder.Services.AddSingleton<GrpcChannels>();
builder.Services.AddSingleton<SidecarMetrics>();
builder.Services.AddSingleton<DeadLetterWriter>();
builder.Services.AddSingleton<StageSupervisor>();
builder.Services.AddSingleton<Registration>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<Registration>());
builder.Services.AddHostedService<AssignmentWatcher>();
builder.Services.AddSingleton<FlowReportRequests>();
builder.Services.AddSingleton<FlowReporter>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<FlowReporter>());
builder.Services.AddGrpc(grpc =>
{
    grpc.MaxReceiveMessageSize = options.MaxMessageBytes;
    grpc.MaxSendMessageSize = options.MaxMessageBytes;
    grpc.EnableDetailedErrors = false;
});
var telemetry = builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("etl-sidecar", serviceInstanceId: options.SidecarId))
    .WithMetrics(metrics => metrics
        .AddMeter(SidecarMetrics.MeterName)
        .AddPrometheusExporter());
// Traces go out over OTLP only when the standard OTEL_* variables name an endpoint (README, "Traces").
if (TracingEnvironment.Enabled(Environment.GetEnvironmentVariable))
    telemetry.WithTracing(tracing => tracing.AddSource(SidecarTracing.SourceName).AddOtlpExporter());

var app = builder.Build();
if (tls is not null && bootstrap is null) _ = tls.Certificates.WatchAsync(TimeSpan.FromSeconds(10), app.Lifetime.ApplicationStopping);
var supervisor = app.Services.GetRequiredService<StageSupervisor>();
app.Services.GetRequiredService<SidecarMetrics>().ObserveEdges(
    () => supervisor.Running.SelectMany(r => r.Outputs.Edges.Select(e => new Measurement<long>(e.CreditRecords, EdgeTags(r, e)))),
    () => supervisor.Running.SelectMany(r => r.Outputs.Edges.Select(e => new Measurement<long>(e.Backlog, EdgeTags(r, e)))));
app.MapGrpcService<DataPlaneService>();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/readyz", (Registration registration) => registration.IsRegistered
    ? Results.Text($"ready: {options.SidecarId} registered, {supervisor.Running.Count} stage(s)")
    : Results.Text("not ready: not registered with the router yet", statusCode: 503));
app.MapGet("/flow", (FlowReporter flow) => Results.Text(Google.Protobuf.JsonFormatter.Default.Format(flow.Snapshot()), "application/json"));
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
return 0;

static KeyValuePair<string, object?>[] EdgeTags(StageRunner runner, OutboundEdge edge) =>
[
    new("pipeline", $"{runner.Context.Key.Namespace}/{runner.Context.Key.Pipeline}"),
    new("stage", edge.Address.FromStage),
    new("to_stage", edge.Address.ToStage),
];
