using System.Collections.Concurrent;
using EtlRouter.Contracts.V1;
using Grpc.Core;
using EtlRouter.Contracts;
using EtlRouter.Operator.Security;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using EtlRouter.Contracts.Hosting;

namespace EtlRouter.Operator.Router;

/// <summary>
/// One long-lived gRPC channel per router address (channels pool their HTTP/2 connections and reconnect on
/// their own), over mutual TLS with the operator's identity unless TLS_MODE=plaintext, and the deadline every
/// call carries.
/// </summary>
internal sealed class RouterConnections(RouterSettings settings, ILoggerFactory loggerFactory, InstallAuthority? authority = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly Lock _tlsLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private MutualTls? _tls;
    private bool _plaintext;

    public RouterSettings Settings => settings;

    /// <summary>The ControlPlane client of the install's router.</summary>
    public ControlPlane.ControlPlaneClient ControlPlane => For(Settings.DefaultEndpoint);

    public ControlPlane.ControlPlaneClient For(string address) => new(_channels.GetOrAdd(address, Open));

    private GrpcChannel Open(string address)
    {
        return RouterChannel.Open(address, Tls(), $"the router at {address}");
    }

    /// <summary>
    /// The operator's identity: the files in TLS_DIR when they are there (cert-manager, `make run`, tests), else
    /// the one the install CA issued this process. Until either exists every call fails as Unavailable and is retried.
    /// </summary>
    private MutualTls? Tls()
    {
        lock (_tlsLock)
        {
            if (_tls is not null || _plaintext) return _tls;
            var env = new EnvironmentSettings(
                name => name switch { "TLS_MODE" => settings.TlsMode, "TLS_DIR" => settings.TlsDirectory, _ => null },
                message => new InvalidOperationException(message));
            var tls = TlsSettings.FromEnvironment(env);
            var logger = loggerFactory.CreateLogger<RouterConnections>();
            if (!tls.IsMutual || File.Exists(tls.CertificateFile))
            {
                _tls = TransportSecurity.Start(tls, loggerFactory);
                _plaintext = _tls is null;
                // Files that cert-manager (or an admin) renews are read again, as every process does.
                if (_tls is not null) _ = _tls.Certificates.WatchAsync(TimeSpan.FromSeconds(10), _stopping.Token);
                return _tls;
            }

            if (authority?.OperatorIdentity is { } issued) return _tls = new MutualTls(issued, logger);
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"the operator has no TLS identity yet: no tls.crt in {tls.Directory} and the install CA is not loaded"));
        }
    }

    public CallOptions Call(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + Settings.CallTimeout, cancellationToken: cancellationToken);

    /// <summary>Errors that mean "the router cannot be reached right now", as opposed to a refused request.</summary>
    public static bool IsUnavailable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        foreach (var channel in _channels.Values)
            channel.Dispose();
    }
}
