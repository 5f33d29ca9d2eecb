using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using System.Net.Security;
using EtlRouter.Security.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Tests.Support;

/// <summary>
/// A gRPC server inside the test process on 127.0.0.1, for peers that misbehave on purpose: plaintext, or mutual
/// TLS as a given identity (a fake sidecar other sidecars dial).
/// </summary>
public sealed class FakeGrpcServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeGrpcServer(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<FakeGrpcServer> StartAsync(Action<IServiceCollection> services, Action<IEndpointRouteBuilder> map, PeerIdentity? tlsAs = null)
    {
        var port = FreePorts.Take(1)[0];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            if (tlsAs is null) return;
            var tls = TestCertificates.ClientAs(tlsAs);
            l.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context => ValueTask.FromResult(tls.ServerOptions("fake", context.Connection.RemoteEndPoint, SslApplicationProtocol.Http2, _ => true)),
            });
        }));
        builder.Services.AddGrpc();
        services(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new FakeGrpcServer(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
