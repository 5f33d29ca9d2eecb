using Grpc.Core;
using Grpc.Net.Client;
using EtlRouter.Contracts;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Cli.Targets;

/// <summary>
/// The router etlctl talks to: --router, else ETLCTL_ROUTER. Errors name the address and where it came from.
/// </summary>
internal sealed class RouterTarget : IDisposable
{
    public const string Variable = "ETLCTL_ROUTER";

    private readonly GrpcChannel channel;

    private RouterTarget(string address, string origin)
    {
        Address = address;
        Origin = origin;
        channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 });
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
        return new RouterTarget(uri.GetLeftPart(UriPartial.Authority), origin);
    }

    public static RouterTarget Require(string? option, Func<string, string?> environment) =>
        Find(option, environment) ?? throw new CliException($"no router address: pass --router host:port or set {Variable} (the router's gRPC port, 50051 by default)", ExitCodes.Unreachable);

    /// <summary>Deadline for one call: a router that does not answer fails the command instead of hanging it.</summary>
    public static DateTime Deadline(int seconds = 15) => DateTime.UtcNow.AddSeconds(seconds);

    /// <summary>Runs a call, turning gRPC failures into messages that say what was tried.</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new CliException($"cannot reach the router at {Address} (from {Origin}): {e.Status.Detail}", ExitCodes.Unreachable);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.AlreadyExists)
        {
            throw new CliException($"the router refused: {e.Status.Detail}");
        }
    }

    public void Dispose() => channel.Dispose();
}
