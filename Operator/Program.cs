using EtlRouter.Operator;
using EtlRouter.Operator.Runtime.Generation;
using EtlRouter.Operator.Runtime.Metrics;
using k8s;
using OpenTelemetry.Metrics;

// `etl-operator generate [DIR]` writes the CRDs and RBAC under config/ (what `make generate` runs).
if (args is ["generate", ..])
{
    var root = args.Length > 1 ? args[1] : "config";
    foreach (var written in ConfigGenerator.Write(root))
        Console.WriteLine($"wrote {written}");
    return 0;
}

var builder = WebApplication.CreateBuilder(args);
var (operatorSettings, routerSettings) = OperatorConfiguration.Read(builder.Configuration);

// KUBECONFIG (merged when it lists several files), else ~/.kube/config, else the pod's service account.
builder.Services.AddSingleton<IKubernetes>(_ => new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
builder.Services.AddEtlOperator(operatorSettings, routerSettings);
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(OperatorMetrics.MeterName)
    .AddPrometheusExporter());
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/healthz");
app.MapHealthChecks("/readyz");
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
return 0;
