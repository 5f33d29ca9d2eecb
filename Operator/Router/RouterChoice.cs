namespace EtlRouter.Operator.Router;

/// <summary>
/// The router cluster a pipeline runs on (<paramref name="Cluster"/>, namespace/name) and where it answers; when it
/// cannot be reached by name yet, <paramref name="Endpoint"/> is null and <paramref name="Problem"/> says why and
/// what to do.
/// </summary>
internal sealed record RouterChoice(string Cluster, string? Endpoint, string? Problem);
