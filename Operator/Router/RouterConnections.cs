using System.Collections.Concurrent;
using EtlRouter.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Operator.Router;

/// <summary>
/// One long-lived gRPC channel per router address (channels pool their HTTP/2 connections and reconnect on
/// their own), and the deadline every call carries.
/// </summary>
public sealed class RouterConnections(RouterSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public RouterSettings Settings { get; } = settings;

    /// <summary>The ControlPlane client of the install's router.</summary>
    public ControlPlane.ControlPlaneClient ControlPlane => For(Settings.DefaultEndpoint);

    public ControlPlane.ControlPlaneClient For(string address) =>
        new(_channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        })));

    public CallOptions Call(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + Settings.CallTimeout, cancellationToken: cancellationToken);

    /// <summary>Errors that mean "the router cannot be reached right now", as opposed to a refused request.</summary>
    public static bool IsUnavailable(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.ResourceExhausted;

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
            channel.Dispose();
    }
}
