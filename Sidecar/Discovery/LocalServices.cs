using EtlRouter.Contracts.V1;

namespace EtlRouter.Sidecar.Discovery;

/// <summary>What the last scan found on the pod; stages look up where to call their service here.</summary>
internal sealed class LocalServices
{
    private volatile IReadOnlyList<DiscoveredService> current = [];

    public IReadOnlyList<DiscoveredService> Current => current;

    /// <summary>Replaces the set; true when it differs from the previous one.</summary>
    public bool Replace(IReadOnlyList<DiscoveredService> found)
    {
        var changed = !found.SequenceEqual(current);
        current = found;
        return changed;
    }

    public string? EndpointOf(StageKind kind, string name) =>
        current.FirstOrDefault(s => s.Kind == kind && s.Name == name)?.Endpoint;
}
