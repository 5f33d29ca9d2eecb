using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace EtlRouter.Operator.Runtime.Client;

/// <summary>
/// Which version of an API group this API server serves, found by discovery (GET /apis/GROUP) and remembered, so
/// the operator works on every Kubernetes it meets: PodDisruptionBudgets are policy/v1 from 1.21 and only
/// policy/v1beta1 before (removed in 1.25). A group is asked again after <see cref="Forget"/> (a 404 on a version
/// that was served means the server was upgraded or downgraded).
/// </summary>
public sealed class ServedApiVersions(IKubernetes kubernetes)
{
    public const string PolicyGroup = "policy";

    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> known = new(StringComparer.Ordinal);

    /// <summary>
    /// The first of <paramref name="preferred"/> (newest first) that the server serves for <paramref name="group"/>.
    /// Throws <see cref="InvalidOperationException"/> naming the group and versions when it serves none of them.
    /// </summary>
    public async Task<string> ChooseAsync(string group, IReadOnlyList<string> preferred, CancellationToken cancellationToken)
    {
        if (!known.TryGetValue(group, out var served))
        {
            var description = await DiscoverAsync(group, cancellationToken).ConfigureAwait(false);
            served = description.Versions?.Select(v => v.Version).ToList() ?? [];
            known[group] = served;
        }

        return preferred.FirstOrDefault(served.Contains)
            ?? throw new InvalidOperationException($"the API server serves {group} in version(s) [{string.Join(", ", served)}], none of [{string.Join(", ", preferred)}] that this operator can write");
    }

    public void Forget(string group) => known.TryRemove(group, out _);

    // The client has one typed discovery call per group; a group the operator needs is one line here.
    private Task<V1APIGroup> DiscoverAsync(string group, CancellationToken cancellationToken) => group switch
    {
        PolicyGroup => kubernetes.Policy.GetAPIGroupAsync(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "no discovery call for this API group"),
    };
}
