using Grpc.Core;
using Grpc.Net.Client;
using EtlRouter.Contracts;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Microsoft.Extensions.Logging.Abstractions;
using EtlRouter.Contracts.Hosting;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Cli.Targets;

/// <summary>
/// The router etlctl talks to: --router, else ETLCTL_ROUTER. Errors name the address and where it came from.
/// Over mutual TLS with the certificate in ETLCTL_TLS_DIR (~/.config/etlctl/tls by default) unless
/// ETLCTL_TLS_MODE=plaintext; the certificate's identity (admin or viewer) decides what the router allows.
/// </summary>
internal sealed class RouterTarget : IDisposable
{
    public const string Variable = "ETLCTL_ROUTER";
    public const string TlsDirectoryVariable = "ETLCTL_TLS_DIR";
    public const string TlsModeVariable = "ETLCTL_TLS_MODE";

    private readonly GrpcChannel channel;
    private readonly TlsHandshakeObserver? handshake;
    private readonly string tlsDirectory;

    private RouterTarget(Uri address, string origin, MutualTls? tls)
    {
        Address = address.Authority;
        Origin = origin;
        tlsDirectory = tls?.Certificates.Settings.Directory ?? string.Empty;
        handshake = tls is null ? null : new TlsHandshakeObserver();
        channel = RouterChannel.Open(address.ToString(), tls, $"the router at {address.Authority}",
            handler => handshake?.Watch(handler.SslOptions, tls!.Certificates, MutualTls.Roles(PeerRole.Router)));
    }

    public string Address { get; }

    /// <summary>Where the address came from ("--router" or "ETLCTL_ROUTER"), for messages.</summary>
    public string Origin { get; }

    public ControlPlane.ControlPlaneClient ControlPlane => new(channel);

    public DeadLetters.DeadLettersClient DeadLetters => new(channel);

    /// <summary>The configured router, or null when neither --router nor ETLCTL_ROUTER is set.</summary>
    public static RouterTarget? Find(string? option, Func<string, string?> environment)
    {
        var (value, origin) = option is { Length: > 0 } ? (option, "--router") : (environment(Variable), Variable);
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!EndpointAddress.TryParse(value, out var uri))
            throw new CliException($"{origin}: '{value}' is not a router address; write host:port, such as 127.0.0.1:50051", ExitCodes.Usage);
        return new RouterTarget(uri, origin, Tls(environment));
    }

    /// <summary>etlctl's identity for the router; null with ETLCTL_TLS_MODE=plaintext.</summary>
    private static MutualTls? Tls(Func<string, string?> environment)
    {
        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var env = new EnvironmentSettings(
            name => name switch
            {
                "TLS_MODE" => environment(TlsModeVariable),
                "TLS_DIR" => environment(TlsDirectoryVariable) ?? Path.Combine(home, ".config", "etlctl", "tls"),
                _ => null,
            },
            message => new CliException(message.Replace("TLS_", "ETLCTL_TLS_", StringComparison.Ordinal), ExitCodes.Usage));
        var settings = TlsSettings.FromEnvironment(env);
        if (!settings.IsMutual) return null;
        var certificates = new IdentityCertificates(settings, TimeProvider.System, NullLogger.Instance);
        if (!certificates.Reload())
        {
            throw new CliException(
                $"{TlsDirectoryVariable}: no ca.crt, tls.crt and tls.key in {settings.Directory}; get an admin or viewer certificate from the install CA " +
                $"(`etlctl certs issue`, README \"Security\") or set {TlsModeVariable}=plaintext for a router started with TLS_MODE=plaintext",
                ExitCodes.Usage);
        }

        // A certificate out of its validity is etlctl's own problem: say so before the router refuses it.
        var certificate = certificates.Certificate;
        var file = Path.Combine(settings.Directory, "tls.crt");
        if (certificate.NotAfter.ToUniversalTime() < DateTime.UtcNow)
            throw new CliException($"{TlsDirectoryVariable}: {file} expired at {certificate.NotAfter.ToUniversalTime():u}; issue a new one from the install CA (`etlctl certs issue`)", ExitCodes.Usage);
        if (certificate.NotBefore.ToUniversalTime() > DateTime.UtcNow.AddMinutes(5))
            throw new CliException($"{TlsDirectoryVariable}: {file} is not valid before {certificate.NotBefore.ToUniversalTime():u}; check this machine's clock, or issue a new one", ExitCodes.Usage);
        return new MutualTls(certificates, NullLogger.Instance);
    }

    public static RouterTarget Require(string? option, Func<string, string?> environment) =>
        Find(option, environment) ?? throw new CliException($"no router address: pass --router host:port or set {Variable} (the router's gRPC port, 50051 by default)", ExitCodes.Unreachable);

    /// <summary>Deadline for one call: a router that does not answer fails the command instead of hanging it.</summary>
    public static DateTime Deadline(int seconds = 15) => DateTime.UtcNow.AddSeconds(seconds);

    /// <summary>
    /// Runs a call, turning gRPC failures into messages that say what was tried and what to fix. With
    /// <paramref name="passNotFound"/> a NOT_FOUND answer is rethrown as it is, for callers asking whether something exists.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call, bool passNotFound = false)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound && passNotFound)
        {
            throw;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated)
        {
            throw new CliException($"the router at {Address} refused: {e.Status.Detail}", ExitCodes.Failure, e);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange)
        {
            throw new CliException($"the router refused: {e.Status.Detail}", ExitCodes.Failure, e);
        }
        catch (RpcException e) when (e.Status.DebugException is not null || e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            // Failed on this side of the wire (no connection, TLS): the status text is an exception's, not the router's.
            throw new CliException(TransportFailure.Explain(e, Address, Origin, handshake, tlsDirectory), ExitCodes.Unreachable, e);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unimplemented)
        {
            throw new CliException($"the server at {Address} does not serve this call: is it an ETL Router of this version (and not a sidecar or the operator)?", ExitCodes.Failure, e);
        }
        catch (RpcException e)
        {
            throw new CliException($"the router at {Address} failed the call ({e.StatusCode}): {e.Status.Detail}", ExitCodes.Failure, e);
        }
    }

    public void Dispose() => channel.Dispose();
}
