namespace EtlRouter.Operator.Controllers;

/// <summary>
/// How an EtlRouterCluster changes size without restarting its nodes: the StatefulSet's pod template (with the
/// initial RAFT_PEERS) never changes, a new pod joins the Raft group when the router's membership API adds it, and
/// a node leaves the group before its pod goes. One membership change per step, as Raft wants.
/// </summary>
/// <param name="Replicas">What the StatefulSet's replicas should be now.</param>
/// <param name="Add">The ordinal of the node to add to the Raft group now, if any.</param>
/// <param name="Remove">The ordinal of the node to remove from the Raft group now, if any.</param>
internal sealed record RouterMembershipPlan(int Replicas, int? Add, int? Remove)
{
    /// <summary>The next step from where things stand.</summary>
    /// <param name="wanted">spec.replicas.</param>
    /// <param name="current">The StatefulSet's replicas; null before it exists.</param>
    /// <param name="members">The ordinals the Raft group has as members; null when the router cannot say.</param>
    public static RouterMembershipPlan Next(int wanted, int? current, IReadOnlySet<int>? members)
    {
        // A new cluster starts with all its nodes as the initial members.
        if (current is not { } replicas)
            return new(wanted, null, null);

        // Without the group's view, nothing can change safely: hold.
        if (members is null || members.Count == 0)
            return new(replicas, null, null);

        // Growing: the pods come first (they start and wait to be added), then each joins, lowest first.
        if (wanted >= replicas)
        {
            var missing = Enumerable.Range(0, wanted).Where(i => !members.Contains(i)).Cast<int?>().FirstOrDefault();
            return new(wanted, replicas == wanted ? missing : null, null);
        }

        // Shrinking: the highest node leaves the group first; the pods go once none of them is a member.
        var leaving = Enumerable.Range(wanted, replicas - wanted).Reverse().Where(members.Contains).Cast<int?>().FirstOrDefault();
        return leaving is null ? new(wanted, null, null) : new(replicas, null, leaving);
    }
}
