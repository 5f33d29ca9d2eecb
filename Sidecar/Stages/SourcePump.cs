using System.Diagnostics;
using System.Threading.Channels;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Flow;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Runs a source stage: one Read session with the pod's source, asking for records only while fewer than
/// the pending cap are on their way (so a stalled pipeline stops the source), passing each batch to every
/// output, and acknowledging offsets to the source only once the batch is done end to end.
/// </summary>
public sealed class SourcePump(StageContext stage)
{
    private readonly object gate = new();
    private Channel<ReadRequest>? requests;
    private long sessionNumber;
    private long pending;
    private long demanded;

    /// <summary>Records read from the source and not yet done end to end.</summary>
    public long Pending { get { lock (gate) return pending; } }

    /// <summary>The most records on their way at once: what every output edge may retain.</summary>
    private long MaxPending
    {
        get
        {
            var budget = stage.Assignment.Outputs.Select(o => (long)(o.Budget?.MaxInFlightRecords ?? 0)).DefaultIfEmpty(0).Min();
            return OutboundEdge.RetainedBudgets * Math.Max(budget, BatchSize);
        }
    }

    private long BatchSize => Math.Max(1, stage.Assignment.Outputs.Select(o => (long)(o.Budget?.BatchSize ?? 0)).DefaultIfEmpty(100).Max());

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var reported = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
                await SessionAsync(endpoint, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (!reported) stage.Logger.LogWarning("Stage {Stage}: source {Service}: {Status} {Detail}; retrying", stage.Key, stage.Definition.Service, e.StatusCode, e.Status.Detail);
                reported = true;
            }

            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, backoff.Ticks * 2));
        }
    }

    private async Task SessionAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var client = new SourceService.SourceServiceClient(stage.Channels.For(endpoint));
        using var call = client.Read(cancellationToken: session.Token);
        var writes = Channel.CreateUnbounded<ReadRequest>(new UnboundedChannelOptions { SingleReader = true });
        long first;
        long id;
        lock (gate)
        {
            // Records of an earlier session that were not done will come again; count afresh.
            id = ++sessionNumber;
            pending = 0;
            demanded = first = MaxPending;
            requests = writes;
        }

        var opening = new ReadRequest { Demand = (uint)first };
        opening.Options.Add(stage.Definition.Options);
        await call.RequestStream.WriteAsync(opening, session.Token);
        var writer = Task.Run(async () =>
        {
            await foreach (var request in writes.Reader.ReadAllAsync(session.Token)) await call.RequestStream.WriteAsync(request, session.Token);
        }, session.Token);

        try
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync(session.Token))
            {
                if (response.Records.Count == 0) continue;
                await ForwardAsync(id, response.Records, session.Token);
            }
        }
        finally
        {
            writes.Writer.TryComplete();
            await session.CancelAsync();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ForwardAsync(long sessionId, IList<Record> records, CancellationToken cancellationToken)
    {
        var count = records.Count;
        lock (gate)
        {
            demanded -= count;
            pending += count;
        }

        foreach (var record in records)
        {
            record.Origin ??= new RecordOrigin();
            if (record.Origin.Source.Length == 0) record.Origin.Source = stage.Definition.Service;
            if (record.Id.Length == 0) record.Id = record.Origin.Offset.Length > 0 ? $"{stage.Definition.Service}:{record.Origin.Offset}" : Guid.NewGuid().ToString("N");
        }

        stage.CountIn(count);
        var started = Stopwatch.GetTimestamp();
        var offsets = records.Select(r => r.Origin.Offset).Where(o => o.Length > 0).ToList();
        var tracker = new BatchTracker(_ =>
        {
            stage.Metrics.DeliveryLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, stage.Tags);
            Delivered(sessionId, offsets, count);
        });
        var batch = records as IReadOnlyList<Record> ?? [.. records];
        await stage.Outputs.SendAsync(batch, tracker, cancellationToken);
        stage.CountOut(count);
        tracker.Close();
    }

    /// <summary>
    /// A batch is done end to end: acknowledge its offsets (to whichever session is current: the source keeps
    /// offsets across sessions) and, if it was read in this session, ask for as many records again.
    /// </summary>
    private void Delivered(long sessionId, List<string> offsets, int count)
    {
        lock (gate)
        {
            var request = new ReadRequest();
            request.AcknowledgedOffsets.AddRange(offsets);
            if (sessionId == sessionNumber)
            {
                pending -= count;
                var room = MaxPending - pending - demanded;
                // Ask in batch-sized steps, but always when nothing else is on its way, so the source never idles.
                var give = room >= BatchSize || pending == 0 ? Math.Max(0, room) : 0;
                demanded += give;
                request.Demand = (uint)give;
            }

            requests?.Writer.TryWrite(request);
        }
    }
}
