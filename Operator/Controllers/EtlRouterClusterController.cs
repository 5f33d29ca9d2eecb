using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.Operator.Router;
using EtlRouter.Operator.Security;
using EtlRouter.OperatorRuntime.Abstractions;
using Grpc.Core;
using k8s;
using k8s.Models;
using EtlRouter.Contracts.Status;

namespace EtlRouter.Operator.Controllers;

/// <summary>
/// Keeps an EtlRouterCluster's StatefulSet, Services and PodDisruptionBudget in shape (owned by it, so
/// deleting the cluster removes them), changes its size through the router's membership API one node at a time
/// (<see cref="RouterMembershipPlan"/>), and reports replicas and the Raft leader, term and commit index.
/// </summary>
[EntityRbac(typeof(EtlRouterCluster), Verbs = RbacVerb.Get | RbacVerb.List | RbacVerb.Watch)]
[GenericRbac(Groups = ["etl.router"], Resources = ["etlrouterclusters/status"], Verbs = RbacVerb.Get | RbacVerb.Update | RbacVerb.Patch)]
[GenericRbac(Groups = ["apps"], Resources = ["statefulsets"], Verbs = RbacVerb.All)]
[GenericRbac(Groups = [""], Resources = ["services"], Verbs = RbacVerb.All)]
[GenericRbac(Groups = [""], Resources = ["secrets"], Verbs = RbacVerb.Get | RbacVerb.Create | RbacVerb.Update)]
[GenericRbac(Groups = ["policy"], Resources = ["poddisruptionbudgets"], Verbs = RbacVerb.All)]
internal sealed class EtlRouterClusterController(IKubernetes kubernetes, RouterConnections router, RouterPodAddresses addresses, IEventPublisher events, IServedApiVersions apiVersions, RouterIdentitySecrets identities) : IEntityController<EtlRouterCluster>
{
    private const string PolicyGroup = "policy";

    // policy/v1 from Kubernetes 1.21, policy/v1beta1 before it (removed in 1.25): the same fields either way.
    private static readonly string[] DisruptionBudgetVersions = ["v1", "v1beta1"];

    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(15);

    /// <summary>How soon a cluster changing its membership is looked at again.</summary>
    public static readonly TimeSpan ScalingRefresh = TimeSpan.FromSeconds(2);

    public async Task<ReconciliationResult<EtlRouterCluster>> ReconcileAsync(EtlRouterCluster cluster, CancellationToken cancellationToken)
    {
        var status = cluster.Status;
        var generation = cluster.Metadata.Generation;
        status.ObservedGeneration = generation;
        var ns = cluster.Metadata.NamespaceProperty ?? "default";

        var issues = EntityValidator.Validate(cluster);
        if (issues.Count > 0)
        {
            status.Set(ConditionTypes.Ready, false, ConditionReasons.InvalidSpec, string.Join("; ", issues), generation);
            status.Set(ConditionTypes.Degraded, true, ConditionReasons.InvalidSpec, string.Join("; ", issues), generation);
            return ReconciliationResult<EtlRouterCluster>.Success(cluster);
        }

        await identities.EnsureAsync(cluster, cancellationToken);
        await EnsureServiceAsync(RouterClusterResources.HeadlessService(cluster), cancellationToken);
        await EnsureServiceAsync(RouterClusterResources.ClientService(cluster), cancellationToken);
        await EnsureDisruptionBudgetAsync(cluster, cancellationToken);
        var wanted = cluster.Spec.Replicas ?? RouterClusterSpec.DefaultReplicas;
        var existing = await GetOrNull(() => kubernetes.AppsV1.ReadNamespacedStatefulSetAsync(cluster.Metadata.Name, ns, cancellationToken: cancellationToken));
        var (raftKnown, raftNodes) = await ReadRaftAsync(cluster, status, cancellationToken);
        var members = raftKnown ? MembersOf(cluster, raftNodes, RouterClusterSpec.MaxReplicas) : null;
        var plan = RouterMembershipPlan.Next(wanted, existing?.Spec.Replicas, members);

        // The initial membership stays what the StatefulSet was created with: scaling never touches the pod template.
        var peers = existing?.Spec.Template.Spec.Containers.SelectMany(c => c.Env ?? []).FirstOrDefault(e => e.Name == "RAFT_PEERS")?.Value
            ?? RouterClusterResources.Peers(cluster, wanted);
        var statefulSet = await EnsureStatefulSetAsync(cluster, RouterClusterResources.StatefulSet(cluster, peers, plan.Replicas), existing, cancellationToken);

        status.Replicas = statefulSet.Status?.Replicas ?? 0;
        status.ReadyReplicas = statefulSet.Status?.ReadyReplicas ?? 0;
        var scaling = plan.Add is not null || plan.Remove is not null || plan.Replicas != wanted || (members is { Count: > 0 } && members.Count != wanted);
        if (scaling)
        {
            var message = await ChangeMembershipAsync(cluster, plan, members?.Count ?? 0, wanted, cancellationToken);
            status.Set(ConditionTypes.Ready, false, ConditionReasons.Scaling, message, generation);
            status.Set(ConditionTypes.Progressing, true, ConditionReasons.Scaling, message, generation);
            status.Set(ConditionTypes.Degraded, false, ConditionReasons.AsExpected, "no problems", generation);
            return ReconciliationResult<EtlRouterCluster>.Success(cluster, ScalingRefresh);
        }

        if (status.ReadyReplicas < wanted)
        {
            var message = $"{status.ReadyReplicas}/{wanted} router replicas ready";
            status.Set(ConditionTypes.Ready, false, ConditionReasons.ReplicasNotReady, message, generation);
            status.Set(ConditionTypes.Progressing, true, ConditionReasons.ReplicasNotReady, message, generation);
        }
        else if (!raftKnown || string.IsNullOrEmpty(status.Leader))
        {
            status.Set(ConditionTypes.Ready, false, ConditionReasons.NoLeader, "all replicas are ready but the Raft group reports no leader", generation);
            status.Set(ConditionTypes.Progressing, true, ConditionReasons.NoLeader, "waiting for a leader", generation);
        }
        else
        {
            var before = status.Find(ConditionTypes.Ready)?.Status;
            status.Set(ConditionTypes.Ready, true, ConditionReasons.Running, $"{wanted} replicas ready; leader {status.Leader}, term {status.Term}", generation);
            status.Set(ConditionTypes.Progressing, false, ConditionReasons.Running, "as specified", generation);
            if (before != ConditionList.True)
                await events.PublishAsync(cluster, ConditionReasons.Running, $"Router cluster ready with leader {status.Leader}", EventType.Normal, cancellationToken);
        }

        // A node that stopped applying, or lost its data, says so here and in an event: kubectl describe shows why.
        // Nodes that hold different states at the same entry (etlctl cluster status prints DIVERGED) say so too.
        var halted = raftNodes.Where(n => n.HaltedReason.Length > 0).Select(Halted).ToList();
        var diverged = ClusterDivergence.Find(raftNodes);
        if (halted.Count > 0 || diverged.Count > 0)
        {
            var reason = halted.Count > 0 ? ConditionReasons.NodeHalted : ConditionReasons.Diverged;
            var message = string.Join("; ", halted.Concat(diverged));
            var before = status.Find(ConditionTypes.Degraded);
            status.Set(ConditionTypes.Degraded, true, reason, message, generation);
            if (before?.Status != ConditionList.True || before.Message != message)
                await events.PublishAsync(cluster, reason, message, EventType.Warning, cancellationToken);
            return ReconciliationResult<EtlRouterCluster>.Success(cluster, ScalingRefresh);
        }

        status.Set(ConditionTypes.Degraded, false, ConditionReasons.AsExpected, "no problems", generation);
        return ReconciliationResult<EtlRouterCluster>.Success(cluster, Refresh);
    }

    // One membership change (or a wait for pods to start or go), said in the words the condition carries.
    private async Task<string> ChangeMembershipAsync(EtlRouterCluster cluster, RouterMembershipPlan plan, int memberCount, int wanted, CancellationToken cancellationToken)
    {
        var progress = $"{memberCount} of {wanted} Raft members";
        if (plan.Add is null && plan.Remove is null)
            return $"{progress}; StatefulSet at {plan.Replicas} replicas";

        var ordinal = (plan.Add ?? plan.Remove)!.Value;
        var address = addresses.RaftAddress(cluster, ordinal);
        var client = router.For(router.Settings.ClusterEndpoint(cluster.Metadata.Name, cluster.Metadata.NamespaceProperty ?? "default", cluster.Spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort));
        try
        {
            if (plan.Add is not null)
                await client.AddClusterNodeAsync(new AddClusterNodeRequest { RaftAddress = address }, router.Call(cancellationToken));
            else
                await client.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = address }, router.Call(cancellationToken));
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e) || e.StatusCode == StatusCode.FailedPrecondition)
        {
            // A new node that does not answer yet, or a group between leaders: the next look tries again.
            return $"{progress}; {(plan.Add is not null ? "adding" : "removing")} node {ordinal} ({address}) did not succeed yet: {e.Status.Detail}";
        }

        var verb = plan.Add is not null ? "Added" : "Removed";
        await events.PublishAsync(cluster, $"Member{verb}", $"{verb} node {ordinal} ({address}) {(plan.Add is not null ? "to" : "from")} the Raft group", EventType.Normal, cancellationToken);
        return $"{progress}; {verb.ToLowerInvariant()} node {ordinal}";
    }

    private static string Halted(ClusterNode node) => node.HaltedReason.StartsWith("lost its data", StringComparison.Ordinal)
        ? $"router node {node.Id} {node.HaltedReason}"
        : $"router node {node.Id} stopped applying the log at entry {node.HaltedAtIndex}: {node.HaltedReason}";

    // The members that are this cluster's pods, by their Raft addresses (a group that is not this StatefulSet's has none).
    private HashSet<int> MembersOf(EtlRouterCluster cluster, IEnumerable<ClusterNode> nodes, int upTo) =>
        nodes.Select(n => addresses.OrdinalOf(cluster, n.Address, upTo)).OfType<int>().ToHashSet();

    private async Task<(bool Known, IReadOnlyList<ClusterNode> Nodes)> ReadRaftAsync(EtlRouterCluster cluster, RouterClusterStatus status, CancellationToken cancellationToken)
    {
        var address = router.Settings.ClusterEndpoint(cluster.Metadata.Name, cluster.Metadata.NamespaceProperty ?? "default", cluster.Spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort);
        try
        {
            var raft = await router.For(address).GetClusterStatusAsync(new GetClusterStatusRequest(), router.Call(cancellationToken));
            status.Leader = string.IsNullOrEmpty(raft.LeaderId) ? null : raft.LeaderId;
            status.Term = (long)raft.Term;
            status.CommitIndex = (long)raft.CommitIndex;
            status.Nodes = raft.Nodes.Select(n => new RouterNodeStatus
            {
                Id = n.Id,
                Role = n.Role switch { NodeRole.Leader => "Leader", NodeRole.Follower => "Follower", NodeRole.Candidate => "Candidate", _ => "Unknown" },
                Healthy = n.Healthy,
            }).ToList();
            return (true, raft.Nodes);
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e))
        {
            status.Leader = null;
            return (false, []);
        }
    }

    private async Task EnsureServiceAsync(V1Service desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var existing = await GetOrNull(() => kubernetes.CoreV1.ReadNamespacedServiceAsync(desired.Metadata.Name, ns, cancellationToken: cancellationToken));
        if (existing is null)
        {
            await kubernetes.CoreV1.CreateNamespacedServiceAsync(desired, ns, cancellationToken: cancellationToken);
            return;
        }

        // clusterIP is assigned by the API server and immutable: keep it.
        desired.Spec.ClusterIP = existing.Spec.ClusterIP;
        desired.Spec.ClusterIPs = existing.Spec.ClusterIPs;
        if (Same(existing.Spec, desired.Spec) && Same(existing.Metadata.Labels, desired.Metadata.Labels))
            return;
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await kubernetes.CoreV1.ReplaceNamespacedServiceAsync(desired, desired.Metadata.Name, ns, cancellationToken: cancellationToken);
    }

    private async Task EnsureDisruptionBudgetAsync(EtlRouterCluster cluster, CancellationToken cancellationToken)
    {
        var version = await apiVersions.ChooseAsync(PolicyGroup, DisruptionBudgetVersions, cancellationToken);
        var desired = RouterClusterResources.DisruptionBudget(cluster, $"{PolicyGroup}/{version}");
        var ns = desired.Metadata.NamespaceProperty;
        using var budgets = new GenericClient(kubernetes, PolicyGroup, version, "poddisruptionbudgets", false);
        try
        {
            var existing = await GetOrNull(() => budgets.ReadNamespacedAsync<V1PodDisruptionBudget>(ns, desired.Metadata.Name, cancellationToken));
            if (existing is null)
            {
                await budgets.CreateNamespacedAsync(desired, ns, cancellationToken);
                return;
            }

            if (Same(existing.Spec, desired.Spec))
                return;
            desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await budgets.ReplaceNamespacedAsync(desired, ns, desired.Metadata.Name, cancellationToken);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            // A write answered 404: the version itself is gone (the server changed under us). Discover again next time.
            apiVersions.Forget(PolicyGroup);
            throw;
        }
    }

    private async Task<V1StatefulSet> EnsureStatefulSetAsync(EtlRouterCluster cluster, V1StatefulSet desired, V1StatefulSet? existing, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        if (existing is null)
        {
            var created = await kubernetes.AppsV1.CreateNamespacedStatefulSetAsync(desired, ns, cancellationToken: cancellationToken);
            await events.PublishAsync(cluster, "Created", $"Created StatefulSet {desired.Metadata.Name} with {desired.Spec.Replicas} replicas", EventType.Normal, cancellationToken);
            return created;
        }

        // Claim templates, selector and serviceName cannot change after creation; keep the stored ones.
        desired.Spec.VolumeClaimTemplates = existing.Spec.VolumeClaimTemplates;
        desired.Spec.Selector = existing.Spec.Selector;
        desired.Spec.ServiceName = existing.Spec.ServiceName;
        desired.Spec.PodManagementPolicy = existing.Spec.PodManagementPolicy;
        if (Same(existing.Spec.Replicas, desired.Spec.Replicas) && Same(existing.Spec.Template, desired.Spec.Template))
            return existing;

        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        var replaced = await kubernetes.AppsV1.ReplaceNamespacedStatefulSetAsync(desired, desired.Metadata.Name, ns, cancellationToken: cancellationToken);
        await events.PublishAsync(cluster, "Updated", $"Updated StatefulSet {desired.Metadata.Name} ({desired.Spec.Replicas} replicas)", EventType.Normal, cancellationToken);
        return replaced;
    }

    // Compares the fields we set; fields the API server defaults are absent from ours and ignored.
    private static bool Same<T>(T existing, T desired) => JsonContains(
        System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(existing)),
        System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(desired)));

    private static bool JsonContains(System.Text.Json.Nodes.JsonNode? actual, System.Text.Json.Nodes.JsonNode? wanted) => wanted switch
    {
        null => true,
        System.Text.Json.Nodes.JsonObject w => actual is System.Text.Json.Nodes.JsonObject a && w.All(p => JsonContains(a[p.Key], p.Value)),
        System.Text.Json.Nodes.JsonArray w => actual is System.Text.Json.Nodes.JsonArray a && a.Count == w.Count && w.Select((v, i) => JsonContains(a[i], v)).All(x => x),
        _ => actual is not null && actual.ToJsonString() == wanted.ToJsonString(),
    };

    private static async Task<T?> GetOrNull<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return null;
        }
    }
}
