using EtlRouter.RouterRuntime;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Backups;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.GraphQL;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Dashboard;
using EtlRouter.RouterRuntime.Leadership;
using EtlRouter.RouterRuntime.Membership;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.Security;
using EtlRouter.RouterRuntime.State;
using EtlRouter.Security.Kestrel;
using EtlRouter.Security.Tls;
using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;

// etl-router: one node of the router cluster. Settings come from the environment (README, "Router").
RouterNodeOptions options;
try
{
    options = RouterNodeOptions.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (RouterConfigurationException e)
{
    Console.Error.WriteLine($"etl-router: {e.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
// DotNext logs every unreachable peer with a stack trace; a down peer is expected and shows in cluster status.
builder.Logging.AddFilter("DotNext", LogLevel.Error);

MutualTls? tls;
using (var startupLogging = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true)))
{
    try
    {
        tls = TransportSecurity.Start(options.Tls, startupLogging);
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine($"etl-router: {e.Message}");
        return 2;
    }
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(options.BindAddress, options.GrpcPort, listen =>
    {
        listen.Protocols = HttpProtocols.Http2;
        // Every caller of the gRPC APIs proves who it is before a byte of a request is read.
        if (tls is not null) listen.UseMutualTls(tls, "gRPC", SslApplicationProtocol.Http2, _ => true);
    });
    kestrel.Listen(options.BindAddress, options.HttpPort, listen =>
    {
        listen.Protocols = HttpProtocols.Http1;
        // Probes and scrapers come without a certificate (/healthz, /readyz, /metrics, the dashboard's files);
        // /graphql answers only callers that present one (GraphQLEndpoint).
        if (tls is not null) listen.UseMutualTls(tls, "HTTP", SslApplicationProtocol.Http11, _ => true, requireCertificate: false);
    });
    kestrel.Limits.MaxRequestBodySize = options.MaxMessageBytes;
});

builder.Services.AddSingleton(options);
builder.Services.AddSingleton(new RouterTransport(tls));
builder.Services.AddSingleton<RouterState>();
builder.Services.AddSingleton<ApplyHalt>();
builder.Services.AddSingleton<StateChanges>();
builder.Services.AddSingleton<SidecarWakeups>();
builder.Services.AddSingleton<RaftNode>();
builder.Services.AddSingleton<PeerChannels>();
builder.Services.AddSingleton<FlowBuffer>();
builder.Services.AddSingleton<FlowShare>();
builder.Services.AddSingleton<WriteGateway>();
builder.Services.AddSingleton<ReadFreshness>();
builder.Services.AddSingleton<PipelineStatusStream>();
builder.Services.AddSingleton<ClusterProbe>();
builder.Services.AddSingleton<MembershipChange>();
builder.Services.AddSingleton<BackupTransfer>();
builder.Services.AddSingleton<ClusterStateVerifier>();
builder.Services.AddSingleton<RouterMetrics>();
builder.Services.AddRouterGraphQL();
builder.Services.AddResponseCompression(compression => compression.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json", "application/graphql-response+json"]);
builder.Services.AddHostedService<RaftNodeService>();
builder.Services.AddHostedService<LeaderDuties>();
builder.Services.AddHostedService<FlowForwarder>();
builder.Services.AddHostedService<MemberFormatReporter>();
builder.Services.AddHostedService<SnapshotRecovery>();
builder.Services.AddHostedService<LostDataRejoin>();
builder.Services.AddGrpc(grpc =>
{
    grpc.Interceptors.Add<AuthorizationInterceptor>();
    grpc.MaxReceiveMessageSize = options.MaxMessageBytes;
    grpc.EnableDetailedErrors = false;
}).AddServiceOptions<RouterPeerApi>(peer => peer.MaxReceiveMessageSize = 256 * 1024 * 1024);
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(RouterMetrics.MeterName, "DotNext.Net.Cluster.Consensus.Raft.Server", "DotNext.Net.Cluster.Consensus.Raft.Client")
    .AddPrometheusExporter());

var app = builder.Build();
if (tls is not null) _ = tls.Certificates.WatchAsync(TimeSpan.FromSeconds(10), app.Lifetime.ApplicationStopping);
app.Services.GetRequiredService<RouterMetrics>();
// A restore (the whole state) and a command forwarded to the leader (a restore among them) may be larger
// than one ordinary request: only those two get the large body limit, every other call keeps MAX_MESSAGE_BYTES.
app.Use((context, next) =>
{
    var path = context.Request.Path;
    if (path.StartsWithSegments("/etlrouter.v1.RouterPeer") || path.Equals("/etl.v1.ControlPlane/RestoreBackup"))
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = BackupTransfer.MaxBackupBytes;
    return next(context);
});
// Text compresses to a third: the dashboard and GraphQL answers go compressed when the browser asks (HTTP/1 on
// GRAPHQL_PORT only; gRPC compresses by its own rules).
app.UseWhen(context => context.Request.Protocol != "HTTP/2", branch => branch.UseResponseCompression());
app.UseDashboard(options.DashboardDirectory);
app.MapRouterGraphQL();
app.MapGrpcService<ControlPlaneApi>();
app.MapGrpcService<ServiceRegistryApi>();
app.MapGrpcService<SidecarCoordinatorApi>();
app.MapGrpcService<DeadLettersApi>();
app.MapGrpcService<RouterPeerApi>();
app.MapGet("/healthz", () => Results.Text("ok"));
// Liveness stays "ok" on a node that stopped applying: a restart does not repair a log; readiness takes it
// out of service and says where and why it stopped.
app.MapGet("/readyz", (RaftNode node) => node.Halt.Current is { } halt
    ? Results.Text($"not ready: node {options.NodeId} {halt}", statusCode: 503)
    : node.HasLeader
        ? Results.Text($"ready: node {options.NodeId}, role {node.LocalRole()}, term {node.Term}")
        : Results.Text("not ready: no leader elected", statusCode: 503));
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
return 0;
