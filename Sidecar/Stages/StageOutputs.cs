using EtlRouter.Contracts.Routing;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Send;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Every output edge of a stage. Fan-out: each batch is copied to every edge, and the stage moves on only when
/// every edge took it (so the slowest edge sets the pace). Conditional edges take only the records their
/// condition holds for; a record no edge takes goes to <see cref="Unmatched"/> (dropped or dead-lettered, as
/// the pipeline says). The batch's tracker counts only what was sent, so a record routed to two of three
/// outputs is done when those two are.
/// </summary>
internal sealed class StageOutputs(StageKey stage, GrpcChannels channels, SidecarOptions options, Func<ulong> epoch, ILogger logger)
{
    private readonly object gate = new();
    private Dictionary<string, OutboundEdge> edges = new(StringComparer.Ordinal);

    // What a batch is sent by, made once per assignment (not per batch) and replaced whole.
    private volatile Routes current = Routes.None;

    public IReadOnlyCollection<OutboundEdge> Edges => current.Edges;

    /// <summary>What happens to records no output takes: given them, the batch's tracker and why none took them.</summary>
    public Func<IReadOnlyList<ByteString>, BatchTracker, string, CancellationToken, Task>? Unmatched { get; set; }

    public async Task SendAsync(IReadOnlyList<ByteString> records, BatchTracker tracker, CancellationToken cancellationToken)
    {
        // A stage with no output edge yet (its assignment is being rewired) holds its records; dropping them
        // would acknowledge them upstream.
        var routes = current;
        while (routes.Edges.Count == 0)
        {
            await Task.Delay(100, cancellationToken);
            routes = current;
        }

        var edges = routes.Edges;
        if (!routes.Conditional)
        {
            foreach (var edge in edges) await SendToAsync(edge, records, tracker, cancellationToken);
            return;
        }

        var (perEdge, unmatched) = ConditionalRoutes.Split(records, routes.Conditions);
        for (var i = 0; i < edges.Count; i++)
        {
            if (perEdge[i].Count > 0) await SendToAsync(edges[i], perEdge[i], tracker, cancellationToken);
        }

        if (unmatched.Count > 0 && Unmatched is { } handle)
        {
            var why = $"no output of stage '{stage.Stage}' takes the record: {string.Join("; ", edges.Select((e, i) => $"to '{e.Address.ToStage}' only when {routes.Conditions[i]?.Text}"))}";
            await handle(unmatched, tracker, why, cancellationToken);
        }
    }

    private static async Task SendToAsync(OutboundEdge edge, IReadOnlyList<ByteString> records, BatchTracker tracker, CancellationToken cancellationToken)
    {
        try
        {
            await edge.SendAsync(records, tracker, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The edge was removed from the pipeline while we waited for room; nothing to send there.
        }
    }

    /// <summary>Adds, rewires and removes edges to match the assignment.</summary>
    public async Task UpdateAsync(AssignedStage assignment)
    {
        var wanted = assignment.Outputs.ToDictionary(o => o.ToStage, StringComparer.Ordinal);
        List<OutboundEdge> removed;
        Dictionary<string, OutboundEdge> next;
        lock (gate)
        {
            removed = [.. edges.Values.Where(e => !wanted.ContainsKey(e.Address.ToStage))];
            next = new Dictionary<string, OutboundEdge>(StringComparer.Ordinal);
            foreach (var (toStage, output) in wanted)
            {
                next[toStage] = edges.TryGetValue(toStage, out var existing)
                    ? existing
                    : new OutboundEdge(new EdgeAddress(stage.Namespace, stage.Pipeline, stage.Stage, toStage), output.Budget ?? new CreditBudget(), channels, options, epoch, logger);
            }

            edges = next;
            current = new Routes([.. next.Values], [.. next.Keys.Select(k => Parse(wanted[k]))]);
        }

        foreach (var edge in removed) await edge.StopAsync(abandon: true);
        foreach (var (toStage, output) in wanted) await next[toStage].RewireAsync(output.Targets);
    }

    // The router checked every condition before storing the pipeline; one that still does not parse here (a
    // newer language than this sidecar's) matches nothing, so its records are not sent where they may not go.
    private RecordCondition? Parse(OutputEdge output)
    {
        if (output.Condition.Length == 0) return null;
        if (RecordCondition.TryParse(output.Condition, out var condition, out var error)) return condition;
        logger.LogError("Stage {Stage}: the condition on the edge to {To} does not parse ({Error}); it takes no record", stage, output.ToStage, error!.Message);
        return RecordCondition.Never(output.Condition);
    }

    public async Task StopAsync()
    {
        List<OutboundEdge> all;
        lock (gate)
        {
            all = [.. edges.Values];
            edges = new Dictionary<string, OutboundEdge>(StringComparer.Ordinal);
            current = Routes.None;
        }

        foreach (var edge in all) await edge.StopAsync(abandon: false);
    }

    /// <summary>The output edges and, at the same index, each one's condition (null: every record).</summary>
    private sealed record Routes(IReadOnlyList<OutboundEdge> Edges, IReadOnlyList<RecordCondition?> Conditions)
    {
        public static readonly Routes None = new([], []);

        public bool Conditional { get; } = Conditions.Any(c => c is not null);
    }
}
