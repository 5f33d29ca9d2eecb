using System.Runtime.CompilerServices;
using EtlRouter.Contracts.V1;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// What makes two stages "the same stage": the same service, called the same way. Stages with equal keys, in
/// one pipeline or several, share their sidecars.
/// </summary>
internal readonly record struct SharedStageKey(StageKind Kind, string Service, string Endpoint, uint TimeoutSeconds, string Options)
{
    // A stored definition never changes (an apply replaces it), and every write passes over every stage of the
    // services it touches: compute each definition's key once rather than joining its options on every pass.
    private static readonly ConditionalWeakTable<StageDefinition, object> Keys = new();

    public static SharedStageKey Of(StageDefinition stage) => (SharedStageKey)Keys.GetValue(stage, static s => Compute(s));

    private static SharedStageKey Compute(StageDefinition stage) => new(
        stage.Kind,
        stage.Service,
        stage.Endpoint,
        stage.TimeoutSeconds,
        string.Join('\n', stage.Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}")));
}
