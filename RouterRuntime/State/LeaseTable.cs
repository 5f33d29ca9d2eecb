using System.Collections.Concurrent;
using EtlRouter.RouterRuntime.Log;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// When each sidecar's lease ends, readable without the state's lock: ten thousand sidecars' heartbeats ask it
/// every two seconds, and most need no more than this answer (the lease is still more than half left). Written
/// only by the applier, alongside <see cref="RouterState.Sidecars"/>.
/// </summary>
internal sealed class LeaseTable
{
    private readonly ConcurrentDictionary<string, DateTime> expiries = new(StringComparer.Ordinal);

    public void Set(string sidecarId, Timestamp expiresAt) => expiries[sidecarId] = expiresAt.ToDateTime();

    public void Remove(string sidecarId) => expiries.TryRemove(sidecarId, out _);

    public void Rebuild(IEnumerable<StoredSidecar> sidecars)
    {
        expiries.Clear();
        foreach (var sidecar in sidecars) Set(sidecar.Registration.SidecarId, sidecar.LeaseExpiresAt);
    }

    public bool TryGet(string sidecarId, out DateTime expiresAt) => expiries.TryGetValue(sidecarId, out expiresAt);

    public bool AnyEndedBy(DateTime now) => expiries.Any(lease => lease.Value <= now);
}
