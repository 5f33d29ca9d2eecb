using System.Runtime.CompilerServices;
using EtlRouter.Contracts.V1;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// What makes two stages "the same stage": the same service of the same namespace, called the same way. Stages
/// with equal keys, in one pipeline or several of one namespace, share their sidecars; a namespace's stages run
/// only on its own sidecars (a pipeline references services of its own namespace).
/// </summary>
internal readonly record struct SharedStageKey(string Namespace, StageKind Kind, string Service, string Endpoint, uint TimeoutSeconds, string Options)
{
    // A stored definition never changes (an apply replaces it), and every write passes over every stage of the
    // services it touches: compute each definition's key once rather than joining its options on every pass.
    private static readonly ConditionalWeakTable<StageDefinition, object> Keys = new();

    /// <summary>The key of a stage of a pipeline in <paramref name="namespace"/> (a definition belongs to one pipeline).</summary>
    public static SharedStageKey Of(string @namespace, StageDefinition stage)
    {
        if (Keys.TryGetValue(stage, out var cached)) return (SharedStageKey)cached;
        var key = Compute(@namespace, stage);
        Keys.AddOrUpdate(stage, key);
        return key;
    }

    private static SharedStageKey Compute(string @namespace, StageDefinition stage) => new(
        @namespace,
        stage.Kind,
        stage.Service,
        stage.Endpoint,
        stage.TimeoutSeconds,
        string.Join('\n', stage.Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}")));
}
