using System.Collections.Concurrent;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;

namespace EtlRouter.OperatorRuntime.Client;

/// <summary>
/// Discovery through GET /apis (every group and its versions in one answer), remembered per group until
/// <see cref="Forget"/>.
/// </summary>
internal sealed class ServedApiVersions(IKubernetes kubernetes) : IServedApiVersions
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> known = new(StringComparer.Ordinal);

    public async Task<string> ChooseAsync(string group, IReadOnlyList<string> preferred, CancellationToken cancellationToken)
    {
        if (!known.TryGetValue(group, out var served))
        {
            var groups = await kubernetes.Apis.GetAPIVersionsAsync(cancellationToken).ConfigureAwait(false);
            served = groups.Groups?.FirstOrDefault(g => g.Name == group)?.Versions?.Select(v => v.Version).ToList() ?? [];
            known[group] = served;
        }

        return preferred.FirstOrDefault(served.Contains)
            ?? throw new InvalidOperationException($"the API server serves {group} in version(s) [{string.Join(", ", served)}], none of [{string.Join(", ", preferred)}] that this operator can write");
    }

    public void Forget(string group) => known.TryRemove(group, out _);
}
