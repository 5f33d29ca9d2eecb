using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Tests.Support;

/// <summary>A gRPC server inside the test process on 127.0.0.1, for peers that misbehave on purpose.</summary>
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

    public static async Task<FakeGrpcServer> StartAsync(Action<IServiceCollection> services, Action<IEndpointRouteBuilder> map)
    {
        var port = FreePorts.Take(1)[0];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
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
