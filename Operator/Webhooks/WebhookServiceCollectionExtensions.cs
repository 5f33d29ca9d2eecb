using System.Net;
using EtlRouter.Operator.Webhooks.Certificates;
using EtlRouter.SidecarInjector;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EtlRouter.Operator.Webhooks;

/// <summary>Registers the webhooks, their certificate management and their HTTPS listener.</summary>
internal static class WebhookServiceCollectionExtensions
{
    public static IServiceCollection AddEtlWebhooks(this IServiceCollection services, WebhookSettings settings)
    {
        services.AddSingleton(settings);
        if (!settings.Enabled) return services;

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings.Injector);
        services.AddSingleton<SidecarInjectionWebhook>();
        services.AddSingleton<NamespaceLabels>();
        services.AddSingleton<ClusterVersion>();
        services.AddSingleton<ServingCertificate>();
        services.AddSingleton<CaBundlePublisher>();
        if (settings.CertificateSource == CertificateSource.SelfSigned)
        {
            services.AddSingleton<SelfSignedCertificateRotator>();
            services.AddHostedService(sp => sp.GetRequiredService<SelfSignedCertificateRotator>());
        }
        else
        {
            services.AddSingleton<CertificateFileWatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<CertificateFileWatcher>());
        }

        // Not ready until there is a certificate to serve: the API server would fail every call before that.
        services.AddHealthChecks().AddCheck<ServingCertificateCheck>("webhook-certificate", tags: ["ready"]);
        return services;
    }

    /// <summary>Binds the plain HTTP endpoints named by --urls (semicolon-separated http:// URLs).</summary>
    public static void ListenOnUrls(this KestrelServerOptions kestrel, string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var binding = Microsoft.AspNetCore.Http.BindingAddress.Parse(url);
            var address = binding.Host is "*" or "+" or "0.0.0.0" or "[::]" ? IPAddress.Any
                : binding.Host == "localhost" ? IPAddress.Loopback
                : IPAddress.Parse(binding.Host.Trim('[', ']'));
            kestrel.Listen(address, binding.Port);
        }
    }

    /// <summary>The HTTPS listener, presenting whatever certificate is current on each handshake.</summary>
    public static void ListenForWebhooks(this KestrelServerOptions kestrel, WebhookSettings settings, IPAddress address)
    {
        if (!settings.Enabled) return;
        kestrel.Listen(address, settings.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<ServingCertificate>().Current,
                HandshakeTimeout = TimeSpan.FromSeconds(5),
            });
        });
    }
}
