using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Sidecar.Discovery;

/// <summary>
/// Finds the pod's services: asks ServiceInfo.Describe on every discovery port with a short deadline. A port
/// that is closed, speaks something else, stalls, or answers without a name or kind is skipped, never fatal.
/// </summary>
internal sealed class ServiceScanner(SidecarOptions options, ILogger<ServiceScanner> logger)
{
    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromMilliseconds(800);
    private readonly HashSet<string> reportedProblems = [];

    public async Task<IReadOnlyList<DiscoveredService>> ScanAsync(CancellationToken cancellationToken)
    {
        var probes = options.DiscoveryPorts.Select(port => ProbeAsync(port, cancellationToken));
        var found = await Task.WhenAll(probes);
        return [.. found.OfType<DiscoveredService>().OrderBy(s => s.Endpoint, StringComparer.Ordinal)];
    }

    private async Task<DiscoveredService?> ProbeAsync(int port, CancellationToken cancellationToken)
    {
        var endpoint = $"{options.DiscoveryHost}:{port}";
        using var handler = new SocketsHttpHandler { ConnectTimeout = ProbeDeadline };
        using var channel = GrpcChannel.ForAddress($"http://{endpoint}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 64 * 1024,
        });
        try
        {
            var info = await new ServiceInfo.ServiceInfoClient(channel).DescribeAsync(
                new DescribeServiceRequest(), deadline: DateTime.UtcNow + ProbeDeadline, cancellationToken: cancellationToken);
            if (string.IsNullOrWhiteSpace(info.Name) || info.Kind is not (StageKind.Source or StageKind.Transform or StageKind.Sink))
            {
                Report(endpoint, $"answered ServiceInfo with name '{info.Name}' and kind {info.Kind}; a service needs a name and a kind (source, transform or sink)");
                return null;
            }

            return new DiscoveredService { Kind = info.Kind, Name = info.Name.Trim(), Version = info.Version, Endpoint = endpoint };
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unimplemented or StatusCode.Internal or StatusCode.Unknown)
        {
            Report(endpoint, $"does not serve etl.v1.ServiceInfo ({e.StatusCode})");
            return null;
        }
        catch (RpcException)
        {
            // Closed or silent: nothing listens there now; a later scan looks again.
            return null;
        }
    }

    /// <summary>Logs a port's problem once, not on every rescan.</summary>
    private void Report(string endpoint, string problem)
    {
        lock (reportedProblems)
        {
            if (reportedProblems.Add($"{endpoint} {problem}")) logger.LogInformation("Discovery: {Endpoint} {Problem}; skipped", endpoint, problem);
        }
    }
}
