using EtlRouter.Contracts.V1;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>The API's dead-letter filter as the router's; a malformed field is an error that names it.</summary>
internal static class DeadLetterFilters
{
    public static DeadLetterFilter From(DeadLetterFilterInput? input, string path)
    {
        var filter = new DeadLetterFilter();
        if (input is null) return filter;
        if (input.Pipeline is { } pipeline)
        {
            var parts = pipeline.Split('/');
            if (parts.Length != 2 || parts.Any(p => p.Length == 0))
                throw new ExecutionError($"{path}.pipeline: '{pipeline}' is not namespace/name");
            filter.Pipeline = new PipelineRef { Namespace = parts[0], Name = parts[1] };
        }

        if (input.Stage is { Length: > 0 } stage) filter.Stage = stage;
        if (input.ErrorContains is { Length: > 0 } error) filter.ErrorContains = error;
        filter.State = input.State switch
        {
            null or "" => DeadLetterState.Unspecified,
            "FAILED" => DeadLetterState.Failed,
            "REPLAY_REQUESTED" => DeadLetterState.ReplayRequested,
            var other => throw new ExecutionError($"{path}.state: '{other}' is not FAILED or REPLAY_REQUESTED"),
        };
        if (input.Ids is { Count: > 10_000 }) throw new ExecutionError($"{path}.ids: more than 10000 in one call");
        filter.Ids.AddRange(input.Ids ?? []);
        return filter;
    }

    /// <summary>Whether the filter narrows anything: a replay or purge of everything must be asked for by name.</summary>
    public static bool IsEmpty(DeadLetterFilter filter) =>
        filter.Pipeline is null && filter.Stage.Length == 0 && filter.ErrorContains.Length == 0 && filter.State == DeadLetterState.Unspecified && filter.Ids.Count == 0;
}
