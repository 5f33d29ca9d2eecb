namespace EtlRouter.Pipelines.Definitions;

/// <summary>
/// The service a stage runs, resolved: the name sidecars register it under, an explicit endpoint, the most
/// replicas its scaling allows, its call timeout and its options. The operator fills it from an EtlSource,
/// EtlTransform or EtlSink; GraphQL's createPipeline from the name it was given.
/// </summary>
public sealed record StageService(
    string Service,
    string? Endpoint = null,
    int? MaxReplicas = null,
    int? TimeoutSeconds = null,
    IReadOnlyDictionary<string, string>? Options = null);
