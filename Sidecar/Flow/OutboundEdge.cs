using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Flow;

/// <summary>
/// A stage's output to one next stage. Splits each batch among the next stage's replicas (by key when records
/// have one, round robin otherwise), caps what it keeps unacked, and when the router moves the next stage to
/// other sidecars, re-sends whatever the old targets had not acked. With no target at all, batches wait here.
/// </summary>
internal sealed class OutboundEdge
{
    /// <summary>What an edge may keep unacked, as a multiple of its credit budget (one window in flight, one queued).</summary>
    public const int RetainedBudgets = 2;

    private readonly object gate = new();
    private readonly EdgeAddress edge;
    private readonly GrpcChannels channels;
    private readonly SidecarOptions options;
    private readonly Func<ulong> epoch;
    private readonly ILogger logger;
    private readonly RetainedCapacity capacity;
    private readonly List<OutboundBatch> parked = [];
    private readonly CancellationTokenSource stopped = new();
    private List<EdgeSender> targets = [];
    private long roundRobin;

    public OutboundEdge(EdgeAddress edge, CreditBudget budget, GrpcChannels channels, SidecarOptions options, Func<ulong> epoch, ILogger logger)
    {
        this.edge = edge;
        this.channels = channels;
        this.options = options;
        this.epoch = epoch;
        this.logger = logger;
        Budget = budget;
        capacity = new RetainedCapacity(
            RetainedBudgets * (long)Math.Max(1, budget.MaxInFlightRecords),
            RetainedBudgets * (long)Math.Max(1, budget.MaxInFlightBytes));
    }

    public EdgeAddress Address => edge;

    public CreditBudget Budget { get; }

    public long CreditRecords { get { lock (gate) return targets.Sum(t => t.CreditRecords); } }

    public long CreditBytes { get { lock (gate) return targets.Sum(t => t.CreditBytes); } }

    /// <summary>Records retained: queued, in flight, or waiting for a target.</summary>
    public long Backlog => capacity.Records;

    /// <summary>Waits for room under the retained cap, then hands the records to the targets. Never drops.</summary>
    public async Task SendAsync(IReadOnlyList<ByteString> records, BatchTracker tracker, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;
        var sizes = records.Select(r => (long)r.Length).ToArray();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopped.Token);
        await capacity.AcquireAsync(records.Count, sizes.Sum(), linked.Token);
        lock (gate)
        {
            // flowControl.batchSize is the most records in one batch on the wire, whatever a source or
            // transform handed over at once; each chunk goes to a replica of its own.
            var most = Budget.BatchSize > 0 ? (int)Budget.BatchSize : records.Count;
            for (var start = 0; start < records.Count; start += most)
            {
                var count = Math.Min(most, records.Count - start);
                var whole = count == records.Count;
                var chunk = whole ? records : records.Skip(start).Take(count).ToList();
                foreach (var (target, part, bytes) in Split(chunk, whole ? sizes : sizes[start..(start + count)]))
                {
                    tracker.Open();
                    var batch = new OutboundBatch(part, bytes, tracker);
                    if (target is null) parked.Add(batch);
                    else target.Enqueue(batch);
                }
            }
        }
    }

    /// <summary>Points the edge at the sidecars that run the next stage now.</summary>
    public async Task RewireAsync(IReadOnlyList<StageAssignment> assignments)
    {
        var addresses = assignments.Select(a => a.Address).Where(a => a.Length > 0).Distinct().ToList();
        List<EdgeSender> retired;
        List<OutboundBatch> orphans;
        lock (gate)
        {
            if (addresses.SequenceEqual(targets.Select(t => t.Target))) return;
            var keep = targets.Where(t => addresses.Contains(t.Target)).ToDictionary(t => t.Target);
            retired = [.. targets.Where(t => !addresses.Contains(t.Target))];
            targets = [.. addresses.Select(a => keep.TryGetValue(a, out var sender) ? sender : NewSender(a))];
            orphans = [.. parked];
            parked.Clear();
        }

        if (retired.Count > 0 || addresses.Count == 0)
        {
            logger.LogInformation("Edge {Edge} now sends to {Targets}", edge, addresses.Count == 0 ? "nobody (the next stage is unassigned)" : string.Join(", ", addresses));
        }

        foreach (var sender in retired) orphans.AddRange(await sender.RetireAsync());
        Resend(orphans);
    }

    /// <summary>
    /// Stops every stream. When the stage stops, what was not acked stays unacked upstream, which resends it.
    /// When the pipeline no longer has this edge (<paramref name="abandon"/>), its records count as done.
    /// </summary>
    public async Task StopAsync(bool abandon)
    {
        await stopped.CancelAsync();
        List<EdgeSender> all;
        List<OutboundBatch> left;
        lock (gate)
        {
            all = targets;
            targets = [];
            left = [.. parked];
            parked.Clear();
        }

        foreach (var sender in all) left.AddRange(await sender.RetireAsync());
        if (abandon)
        {
            foreach (var batch in left) Acked(batch);
        }
    }

    private void Resend(List<OutboundBatch> batches)
    {
        lock (gate)
        {
            foreach (var batch in batches)
            {
                if (targets.Count == 0) parked.Add(batch);
                else targets[(int)(roundRobin++ % targets.Count)].Enqueue(batch);
            }
        }
    }

    private IEnumerable<(EdgeSender? Target, IReadOnlyList<ByteString> Records, long Bytes)> Split(IReadOnlyList<ByteString> records, long[] sizes)
    {
        if (targets.Count <= 1)
        {
            yield return (targets.FirstOrDefault(), records, sizes.Sum());
            yield break;
        }

        // Only here, with replicas to choose from, does the edge look inside a record: for its key.
        var keys = records.Select(RecordHeads.KeyOf).ToArray();
        if (keys.All(k => k.Length == 0))
        {
            yield return (targets[(int)(roundRobin++ % targets.Count)], records, sizes.Sum());
            yield break;
        }

        var parts = new List<ByteString>?[targets.Count];
        var bytes = new long[targets.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var replica = keys[i].Length > 0 ? KeyHash.Replica(keys[i], targets.Count) : (int)(roundRobin++ % targets.Count);
            (parts[replica] ??= []).Add(records[i]);
            bytes[replica] += sizes[i];
        }

        for (var replica = 0; replica < targets.Count; replica++)
        {
            if (parts[replica] is { } part) yield return (targets[replica], part, bytes[replica]);
        }
    }

    private EdgeSender NewSender(string address) => new(edge, address, channels, options, epoch, Acked, logger);

    private void Acked(OutboundBatch batch)
    {
        capacity.Release(batch.Records.Count, batch.Bytes);
        batch.Tracker.Close();
    }
}
