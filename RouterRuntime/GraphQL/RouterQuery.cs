using System.ComponentModel;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Membership;
using EtlRouter.RouterRuntime.State;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>
/// What the API reads. Any node answers from its own state (clusterStatus says which node answered and what it
/// had applied), so a follower serves reads while the leader is busy or gone.
/// </summary>
[Name("Query")]
internal sealed class RouterQuery(RouterState state, ClusterProbe probe)
{
    private const int MaxPage = 500;

    [Description("The Raft group: leader, term, commit index and every node's role and health.")]
    public async Task<ClusterView> ClusterStatus(IResolveFieldContext context) =>
        ViewMapping.Cluster(await probe.StatusAsync(context.CancellationToken));

    [Description("Every pipeline, or those of one namespace.")]
    public IEnumerable<PipelineView> Pipelines(string? @namespace = null)
    {
        lock (state.Sync)
        {
            return StateViews.Pipelines(state, state.Pipelines.Values.Where(p => @namespace is null || p.Definition.Ref.Namespace == @namespace))
                .Select(ViewMapping.Pipeline).ToList();
        }
    }

    [Description("One pipeline by id (namespace/name); null when the router does not hold it.")]
    public PipelineView? Pipeline(string id)
    {
        lock (state.Sync)
        {
            return state.Pipelines.TryGetValue(id, out var stored) ? ViewMapping.Pipeline(StateViews.Pipeline(state, stored)) : null;
        }
    }

    [Description("The registered sidecars and the stages each runs.")]
    public IEnumerable<SidecarView> Sidecars()
    {
        lock (state.Sync)
        {
            return state.Sidecars.Values.Select(s => ViewMapping.Sidecar(s, state.Pipelines.Values.SelectMany(p => p.Stages
                    .Where(stage => stage.Sidecars.Contains(s.Registration.SidecarId))
                    .Select(stage => $"{ViewMapping.Id(p.Definition.Ref)}/{stage.Name}"))))
                .ToList();
        }
    }

    [Description("Dead letters matching a filter, oldest first, a page at a time (first: at most 500).")]
    public DeadLetterPage DeadLetters(DeadLetterFilterInput? filter = null, int first = 50, string? after = null)
    {
        if (first is < 1 or > MaxPage) throw new ExecutionError($"first: {first} is out of range; ask for 1 to {MaxPage} and page with after");
        var skip = 0;
        if (after is not null && (!int.TryParse(after, out skip) || skip < 0))
            throw new ExecutionError("after: not a cursor this API issued; pass the next of the previous page");
        var match = DeadLetterFilters.From(filter, "filter");
        lock (state.Sync)
        {
            var matching = state.DeadLetters.Matching(match).ToList();
            var page = matching.Skip(skip).Take(first).Select(ViewMapping.DeadLetter).ToList();
            return new DeadLetterPage(page, matching.Count, skip + first < matching.Count ? (skip + first).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        }
    }

    [Description("One dead letter by id, with its record and error; null when there is none.")]
    public DeadLetterView? DeadLetter(string id)
    {
        lock (state.Sync)
        {
            return state.DeadLetters.Get(id) is { } found ? ViewMapping.DeadLetter(found) : null;
        }
    }
}
