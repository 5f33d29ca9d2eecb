using System.Net;
using EtlRouter.OperatorRuntime;
using EtlRouter.Operator.Webhooks;
using EtlRouter.Operator.Webhooks.Certificates;
using EtlRouter.Testing.KubeApiServer;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Tests.Support;

/// <summary>
/// The operator's webhook endpoint as etl-operator hosts it (the same registration, HTTPS listener and
/// certificate management) on 127.0.0.1 and a free port, against the test API server.
/// </summary>
internal sealed class WebhookHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebhookHost(WebApplication app, WebhookSettings settings)
    {
        this.app = app;
        Settings = settings;
        Url = new Uri($"https://127.0.0.1:{settings.Port}/");
    }

    public WebhookSettings Settings { get; }

    public Uri Url { get; }

    public ServingCertificate Serving => app.Services.GetRequiredService<ServingCertificate>();

    public T Service<T>() where T : notnull => app.Services.GetRequiredService<T>();

    public static async Task<WebhookHost> StartAsync(TestApiServer api, Action<WebhookSettings>? configure = null)
    {
        var settings = new WebhookSettings
        {
            Port = FreePorts.Take(1)[0],
            AdditionalHosts = ["127.0.0.1"],
            CheckInterval = TimeSpan.FromMilliseconds(300),
        };
        settings.Injector.ClusterEndpoint = "etl-router.etl-system.svc:50051";
        configure?.Invoke(settings);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenForWebhooks(settings, IPAddress.Loopback));
        builder.Services.AddSingleton(api.CreateClient());
        builder.Services.AddSingleton(new OperatorSettings { Namespace = "etl-system" });
        builder.Services.AddHealthChecks();
        builder.Services.AddEtlWebhooks(settings);
        var app = builder.Build();
        app.MapEtlWebhooks();
        await app.StartAsync();
        return new WebhookHost(app, settings);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
