using EtlRouter.Contracts.V1;

namespace EtlRouter.Contracts.Status;

/// <summary>
/// Reads divergence off a cluster status: two nodes whose state hashes differ at the same applied index, or at
/// the same checkpoint entry. Nodes at different indexes are not compared (their states legitimately differ).
/// </summary>
public static class ClusterDivergence
{
    public static IReadOnlyList<string> Find(IEnumerable<ClusterNode> nodes)
    {
        var list = nodes.ToList();
        var found = new List<string>();
        Compare(list.Where(n => n.StateHash.Length > 0).GroupBy(n => n.AppliedIndex), n => n.StateHash, "applied index", found);
        Compare(list.Where(n => n.CheckpointHash.Length > 0 && n.CheckpointIndex > 0).GroupBy(n => n.CheckpointIndex), n => n.CheckpointHash, "checkpoint", found);
        return found;
    }

    private static void Compare(IEnumerable<IGrouping<ulong, ClusterNode>> groups, Func<ClusterNode, string> hash, string what, List<string> found)
    {
        foreach (var group in groups)
        {
            var distinct = group.GroupBy(hash).ToList();
            if (distinct.Count < 2) continue;
            found.Add($"at {what} {group.Key} the nodes hold different states: " +
                string.Join("; ", distinct.Select(d => $"{string.Join(", ", d.Select(n => n.Id))} hash {d.Key[..Math.Min(12, d.Key.Length)]}")));
        }
    }
}
