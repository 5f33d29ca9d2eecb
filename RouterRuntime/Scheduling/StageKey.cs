using EtlRouter.Contracts.V1;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// What makes two stages "the same stage": the same service, called the same way. Stages with equal keys, in
/// one pipeline or several, share their sidecars.
/// </summary>
public readonly record struct StageKey(StageKind Kind, string Service, string Endpoint, uint TimeoutSeconds, string Options)
{
    public static StageKey Of(StageDefinition stage) => new(
        stage.Kind,
        stage.Service,
        stage.Endpoint,
        stage.TimeoutSeconds,
        string.Join('\n', stage.Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}")));
}
