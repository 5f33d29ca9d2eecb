using EtlRouter.Entities.Resources;

namespace EtlRouter.Operator.Controllers;

/// <summary>
/// Where a router cluster's node N answers Raft: its pod's name under the headless Service. Tests whose routers are
/// processes on 127.0.0.1 register their own, as they give the cluster's client Service their own address.
/// </summary>
internal class RouterPodAddresses
{
    public virtual string RaftAddress(EtlRouterCluster cluster, int ordinal) => RouterClusterResources.RaftAddress(cluster, ordinal);

    /// <summary>Which node of the cluster an address is, looking at ordinals below <paramref name="upTo"/>; null when none.</summary>
    public int? OrdinalOf(EtlRouterCluster cluster, string address, int upTo) =>
        Enumerable.Range(0, upTo).Cast<int?>().FirstOrDefault(i => RaftAddress(cluster, i!.Value) == address);
}
