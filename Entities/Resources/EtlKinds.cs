namespace EtlRouter.Entities.Resources;

/// <summary>
/// Every kind of ours, and the short kinds of the CLI manifests (Source, Transform, Sink, Pipeline) they stand for.
/// </summary>
public static class EtlKinds
{
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(EtlSource), typeof(EtlTransform), typeof(EtlSink), typeof(EtlPipeline), typeof(EtlRouterCluster),
    ];

    private static readonly Dictionary<string, Type> ByKind = new(StringComparer.Ordinal)
    {
        ["EtlSource"] = typeof(EtlSource),
        ["EtlTransform"] = typeof(EtlTransform),
        ["EtlSink"] = typeof(EtlSink),
        ["EtlPipeline"] = typeof(EtlPipeline),
        ["EtlRouterCluster"] = typeof(EtlRouterCluster),
        ["Source"] = typeof(EtlSource),
        ["Transform"] = typeof(EtlTransform),
        ["Sink"] = typeof(EtlSink),
        ["Pipeline"] = typeof(EtlPipeline),
        ["RouterCluster"] = typeof(EtlRouterCluster),
    };

    public static IEnumerable<string> Names => ByKind.Keys;

    /// <summary>The entity type of a full or short kind, or null when it is not ours.</summary>
    public static Type? Find(string? kind) => kind is not null && ByKind.TryGetValue(kind, out var type) ? type : null;
}
