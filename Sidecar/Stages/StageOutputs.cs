using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Flow;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Every output edge of a stage. Fan-out: each batch is copied to every edge, and the stage moves on only when
/// every edge took it (so the slowest edge sets the pace).
/// </summary>
internal sealed class StageOutputs(StageKey stage, GrpcChannels channels, SidecarOptions options, Func<ulong> epoch, ILogger logger)
{
    private readonly object gate = new();
    private Dictionary<string, OutboundEdge> edges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<OutboundEdge> Edges { get { lock (gate) return [.. edges.Values]; } }

    public async Task SendAsync(IReadOnlyList<ByteString> records, BatchTracker tracker, CancellationToken cancellationToken)
    {
        // A stage with no output edge yet (its assignment is being rewired) holds its records; dropping them
        // would acknowledge them upstream.
        var edges = Edges;
        while (edges.Count == 0)
        {
            await Task.Delay(100, cancellationToken);
            edges = Edges;
        }

        foreach (var edge in edges)
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
        }

        foreach (var edge in removed) await edge.StopAsync(abandon: true);
        foreach (var (toStage, output) in wanted) await next[toStage].RewireAsync(output.Targets);
    }

    public async Task StopAsync()
    {
        List<OutboundEdge> all;
        lock (gate)
        {
            all = [.. edges.Values];
            edges = new Dictionary<string, OutboundEdge>(StringComparer.Ordinal);
        }

        foreach (var edge in all) await edge.StopAsync(abandon: false);
    }
}
