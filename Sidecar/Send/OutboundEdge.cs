using System.Buffers;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Send;

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

    public long CreditRecords { get { lock (gate) { long sum = 0; foreach (var t in targets) sum += t.CreditRecords; return sum; } } }

    public long CreditBytes { get { lock (gate) { long sum = 0; foreach (var t in targets) sum += t.CreditBytes; return sum; } } }

    /// <summary>Records retained: queued, in flight, or waiting for a target.</summary>
    public long Backlog => capacity.Records;

    /// <summary>Waits for room under the retained cap, then hands the records to the targets. Never drops.</summary>
    public async Task SendAsync(IReadOnlyList<ByteString> records, BatchTracker tracker, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;

        // Sizes are needed twice (the cap, then each part's bytes): measured once into a rented buffer.
        var sizes = ArrayPool<long>.Shared.Rent(records.Count);
        try
        {
            long total = 0;
            for (var i = 0; i < records.Count; i++) total += sizes[i] = records[i].Length;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopped.Token);
            await capacity.AcquireAsync(records.Count, total, linked.Token);
            lock (gate)
            {
                // flowControl.batchSize is the most records in one batch on the wire, whatever a source or
                // transform handed over at once; each chunk goes to a replica of its own.
                var most = Budget.BatchSize > 0 ? (int)Budget.BatchSize : records.Count;
                for (var start = 0; start < records.Count; start += most)
                {
                    var count = Math.Min(most, records.Count - start);
                    var chunk = count == records.Count ? records : Copy(records, start, count);
                    Dispatch(chunk, sizes.AsSpan(start, count), tracker);
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(sizes);
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

    /// <summary>Splits a chunk among the targets (by key when its records have one) and queues each part. Under the gate.</summary>
    private void Dispatch(IReadOnlyList<ByteString> records, ReadOnlySpan<long> sizes, BatchTracker tracker)
    {
        if (targets.Count <= 1)
        {
            Queue(targets.Count == 0 ? null : targets[0], records, Sum(sizes), tracker);
            return;
        }

        // Only here, with replicas to choose from, does the edge look inside a record: for its key.
        var keys = ArrayPool<string>.Shared.Rent(records.Count);
        try
        {
            var keyed = false;
            for (var i = 0; i < records.Count; i++) keyed |= (keys[i] = RecordHeads.KeyOf(records[i])).Length > 0;
            if (!keyed)
            {
                Queue(targets[(int)(roundRobin++ % targets.Count)], records, Sum(sizes), tracker);
                return;
            }

            var parts = new List<ByteString>?[targets.Count];
            Span<long> bytes = targets.Count <= 64 ? stackalloc long[targets.Count] : new long[targets.Count];
            for (var i = 0; i < records.Count; i++)
            {
                var replica = keys[i].Length > 0 ? KeyHash.Replica(keys[i], targets.Count) : (int)(roundRobin++ % targets.Count);
                (parts[replica] ??= new List<ByteString>(records.Count / targets.Count + 1)).Add(records[i]);
                bytes[replica] += sizes[i];
            }

            for (var replica = 0; replica < targets.Count; replica++)
            {
                if (parts[replica] is { } part) Queue(targets[replica], part, bytes[replica], tracker);
            }
        }
        finally
        {
            ArrayPool<string>.Shared.Return(keys, clearArray: true);
        }
    }

    /// <summary>One part to one target, or parked when the next stage has no target yet; the tracker waits for its ack.</summary>
    private void Queue(EdgeSender? target, IReadOnlyList<ByteString> records, long bytes, BatchTracker tracker)
    {
        tracker.Open();
        var batch = new OutboundBatch(records, bytes, tracker);
        if (target is null) parked.Add(batch);
        else target.Enqueue(batch);
    }

    /// <summary>A chunk's own copy: the batch keeps it until acked, so it cannot be a rented buffer.</summary>
    private static ByteString[] Copy(IReadOnlyList<ByteString> records, int start, int count)
    {
        var chunk = new ByteString[count];
        for (var i = 0; i < count; i++) chunk[i] = records[start + i];
        return chunk;
    }

    private static long Sum(ReadOnlySpan<long> sizes)
    {
        long total = 0;
        foreach (var size in sizes) total += size;
        return total;
    }

    private EdgeSender NewSender(string address) => new(edge, address, channels, options, epoch, Acked, logger);

    private void Acked(OutboundBatch batch)
    {
        capacity.Release(batch.Records.Count, batch.Bytes);
        batch.Tracker.Close();
    }
}
