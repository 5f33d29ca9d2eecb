namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// Which version of an API group the API server serves, found by discovery and remembered, so a controller
/// writes what the cluster in front of it understands (PodDisruptionBudgets are policy/v1 from Kubernetes 1.21
/// and only policy/v1beta1 before).
/// </summary>
public interface IServedApiVersions
{
    /// <summary>
    /// The first of <paramref name="preferred"/> (newest first) that the server serves for <paramref name="group"/>.
    /// Throws <see cref="InvalidOperationException"/> naming the group and versions when it serves none of them.
    /// </summary>
    Task<string> ChooseAsync(string group, IReadOnlyList<string> preferred, CancellationToken cancellationToken);

    /// <summary>Asks the server again next time: a 404 on a version that was served means it was upgraded or downgraded.</summary>
    void Forget(string group);
}
