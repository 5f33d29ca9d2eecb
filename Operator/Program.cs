using EtlRouter.Operator;
using EtlRouter.Operator.Generation;
using EtlRouter.Operator.Security;
using EtlRouter.Operator.Webhooks;
using EtlRouter.Contracts;
using EtlRouter.OperatorRuntime.Metrics;
using EtlRouter.OperatorRuntime.Tracing;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using k8s;
using OpenTelemetry.Metrics;
using EtlRouter.Contracts.Hosting;

// `etl-operator generate [REPOSITORY_ROOT]` writes the CRDs, RBAC and webhooks under config/ and the chart's
// copies under helm/etl-router (what `make generate` runs).
if (args is ["generate", ..])
{
    var root = args.Length > 1 ? args[1] : ".";
    foreach (var written in ConfigGenerator.Write(root))
        Console.WriteLine($"wrote {written}");
    return 0;
}

var builder = WebApplication.CreateBuilder(args);
var (operatorSettings, routerSettings) = OperatorConfiguration.Read(builder.Configuration);

// KUBECONFIG (merged when it lists several files), else ~/.kube/config, else the pod's service account.
builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
builder.Services.AddEtlOperator(operatorSettings, routerSettings);

// The admission webhooks (sidecar injection, EtlPipeline validation) on their own HTTPS port.
var webhookSettings = builder.Configuration.GetSection("Webhook").Get<WebhookSettings>() ?? new WebhookSettings();
webhookSettings.Injector.OperatorNamespace = operatorSettings.Namespace;
// Injected sidecars register with the install's router unless the injector is told another one.
if (builder.Configuration["Webhook:Injector:ClusterEndpoint"] is not { Length: > 0 })
    webhookSettings.Injector.ClusterEndpoint = new Uri(routerSettings.DefaultEndpoint).Authority;
builder.Services.AddEtlWebhooks(webhookSettings);

// The install CA: the operator's own identity, the router clusters' Secrets, and sidecars' certificates.
var installSettings = builder.Configuration.GetSection("Install").Get<InstallAuthoritySettings>() ?? new InstallAuthoritySettings();
if (builder.Configuration["Webhook:Injector:CertificateEndpoint"] is not { Length: > 0 })
    webhookSettings.Injector.CertificateEndpoint = $"https://etl-operator-certificates.{operatorSettings.Namespace}.svc:{installSettings.CertificatePort}";
builder.Services.AddSingleton(installSettings);
builder.Services.AddSingleton<InstallAuthority>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<InstallAuthority>());
if (webhookSettings.Enabled || installSettings.CertificatePort != 0)
{
    // Listening explicitly replaces --urls, so the plain HTTP endpoints (health, metrics) are bound here too.
    var urls = builder.Configuration["urls"] ?? "http://0.0.0.0:8080";
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.ListenOnUrls(urls);
        kestrel.ListenForWebhooks(webhookSettings, System.Net.IPAddress.Any);
        kestrel.ListenForSidecarCertificates(installSettings, System.Net.IPAddress.Any);
    });
}
var telemetry = builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("etl-operator", serviceInstanceId: operatorSettings.Identity))
    .WithMetrics(metrics => metrics
        .AddMeter(OperatorMeter.Name)
        .AddPrometheusExporter());
// Traces (reconciles, and the router and API server calls they make) go out over OTLP when the standard OTEL_*
// variables name an endpoint.
if (TracingEnvironment.Enabled(Environment.GetEnvironmentVariable))
    telemetry.WithTracing(tracing => tracing.AddSource(OperatorTracing.SourceName, "Grpc.Net.Client", "System.Net.Http").AddOtlpExporter());
builder.Services.AddHealthChecks();

var app = builder.Build();
webhookSettings.Injector.UseCaBundle(() => app.Services.GetRequiredService<InstallAuthority>().BundlePem);
app.MapHealthChecks("/healthz");
app.MapHealthChecks("/readyz");
app.MapPrometheusScrapingEndpoint("/metrics");
app.MapEtlWebhooks();
app.MapSidecarCertificates(installSettings);
await app.RunAsync();
return 0;
