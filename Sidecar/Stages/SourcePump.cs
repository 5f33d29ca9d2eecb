using System.Diagnostics;
using System.Threading.Channels;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Send;
using EtlRouter.Sidecar.Tracing;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// Runs a source stage: one Read session with the pod's source, asking for records only while fewer than
/// the pending cap are on their way (so a stalled pipeline stops the source), passing each batch to every
/// output, and acknowledging offsets to the source only once the batch is done end to end. Records stay as
/// the bytes the source sent; only their heads (id, origin) are read.
/// <para>
/// When its pipeline drains (before deletion) it asks for nothing more, waits until every record it read is
/// done, sends the last acknowledgements and ends the session cleanly: then it is drained. Whatever the source
/// sends after that is not read, so no record is left taken and unacknowledged.
/// </para>
/// </summary>
internal sealed class SourcePump(StageContext stage, StageOutputs outputs)
{
    /// <summary>How long records short of a whole batch wait for the source's next read.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a drained session waits for the source to end its side before cancelling it.</summary>
    private static readonly TimeSpan SourceEndGrace = TimeSpan.FromSeconds(5);

    private readonly object gate = new();
    private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Channel<ReadRequest>? requests;
    private long sessionNumber;
    private long pending;
    private long demanded;
    private long inFlight;
    private bool draining;
    private bool finished;

    /// <summary>Records read from the source in this session and not yet done end to end.</summary>
    public long Pending { get { lock (gate) return pending; } }

    /// <summary>Records read from the source, in any session, and not yet done end to end.</summary>
    public long InFlight { get { lock (gate) return inFlight; } }

    /// <summary>The pipeline drains: nothing more is asked of the source.</summary>
    public bool Draining { get { lock (gate) return draining; } }

    /// <summary>Completes once draining is done: every record read is done and its acknowledgement sent.</summary>
    public Task Drained => drained.Task;

    private bool Finished { get { lock (gate) return finished; } }

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

    /// <summary>The pipeline drains: stop asking for records; finish once what was read is done.</summary>
    public void Drain()
    {
        lock (gate)
        {
            if (draining) return;
            draining = true;
            FinishIfDone();
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        var reported = false;
        while (!cancellationToken.IsCancellationRequested && !Finished)
        {
            try
            {
                var endpoint = stage.ServiceEndpoint ?? throw ServiceUnreachable.For(stage);
                await SessionAsync(endpoint, cancellationToken);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception e) when (Stopped.By(e, cancellationToken))
            {
                return;
            }
            catch (RpcException) when (Finished)
            {
                // Drained, and the source did not end its side in time: the session was cancelled.
            }
            catch (RpcException e)
            {
                if (!reported) stage.Logger.LogWarning("Stage {Stage}: source {Service}: {Status} {Detail}; retrying", stage.Key, stage.Definition.Service, e.StatusCode, e.Status.Detail);
                reported = true;
            }

            if (Finished) break;
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, backoff.Ticks * 2));
        }

        // Finished between sessions (or before the first): no session is open, so nothing is left to send.
        if (Finished) drained.TrySetResult();
    }

    private async Task SessionAsync(string endpoint, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = stage.Channels.For(endpoint).CreateCallInvoker().AsyncDuplexStreamingCall(EncodedMethods.Read, null, new CallOptions(cancellationToken: session.Token));
        var writes = Channel.CreateUnbounded<ReadRequest>(new UnboundedChannelOptions { SingleReader = true });
        long first;
        long id;
        lock (gate)
        {
            // Records of an earlier session that were not done will come again; count afresh. A draining
            // stage still opens a session (asking for nothing) so the acknowledgements still due reach the source.
            id = ++sessionNumber;
            pending = 0;
            demanded = first = draining ? 0 : MaxPending;
            requests = writes;
        }

        var opening = new ReadRequest { Demand = (uint)first };
        opening.Options.Add(stage.Definition.Options);
        opening.Reader = new Reader
        {
            Namespace = stage.Key.Namespace,
            Pipeline = stage.Key.Pipeline,
            Stage = stage.Key.Stage,
            Replica = stage.Assignment.Replica,
            Replicas = Math.Max(1, stage.Assignment.ReplicaCount),
        };
        try
        {
            await call.RequestStream.WriteAsync(opening, session.Token);
        }
        catch
        {
            // The session never opened (the source is unreachable): it has nothing to send or acknowledge.
            writes.Writer.TryComplete();
            if (Finished) drained.TrySetResult();
            throw;
        }

        var writer = Task.Run(async () =>
        {
            while (await writes.Reader.WaitToReadAsync(session.Token))
            {
                await call.RequestStream.WriteAsync(Merged(writes.Reader), session.Token);
            }

            // The queue completes with the session, or when a drain finished after the last acknowledgements:
            // then end our side cleanly, and give the source a while to end its own.
            if (!Finished || session.IsCancellationRequested) return;
            await call.RequestStream.CompleteAsync();
            drained.TrySetResult();
            session.CancelAfter(SourceEndGrace);
        }, session.Token);

        try
        {
            // A read that is not a whole number of batches leaves a remainder, which waits up to Linger for the
            // next read to top it up: a source handing over 130 records at a time would otherwise cost every
            // hop a batch of 100 and one of 30 per read. What a broken session leaves here comes again.
            var carry = new List<SourceRecord>();
            Task<bool>? next = null;
            while (true)
            {
                next ??= call.ResponseStream.MoveNext(session.Token);
                if (carry.Count > 0 && !next.IsCompleted && !await ReadsWithinLingerAsync(next, session.Token))
                {
                    await ForwardAsync(id, carry, session.Token);
                    carry = [];
                    continue;
                }

                if (!await next) break;
                next = null;
                var records = call.ResponseStream.Current.Records;
                if (records.Count == 0) continue;
                if (!Accept(records, carry)) continue;
                var whole = carry.Count - (int)(carry.Count % BatchSize);
                if (whole == 0) continue;
                var ready = carry;
                carry = whole == ready.Count ? [] : ready.GetRange(whole, ready.Count - whole);
                if (whole < ready.Count) ready.RemoveRange(whole, ready.Count - whole);
                await ForwardAsync(id, ready, session.Token);
            }
        }
        finally
        {
            writes.Writer.TryComplete();
            await session.CancelAsync();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);

            // A drain that finished as the session ended: what the writer had queued went with it.
            if (Finished) drained.TrySetResult();
        }
    }

    /// <summary>Whether the pending read completes within the linger; the timer is stopped when it does.</summary>
    private static async Task<bool> ReadsWithinLingerAsync(Task<bool> read, CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(Linger, linger.Token);
        var first = await Task.WhenAny(read, timeout);
        await linger.CancelAsync();
        return first == read;
    }

    /// <summary>
    /// Records arrived from the source: each gets its origin and a stable id, and joins the carry; then they use
    /// up demand. A record that has both already (the usual case) is passed on as the source encoded it. Bytes
    /// that are not a record end the session (what it carried comes again in the next). Once a drain has
    /// finished nothing is taken (false): those records stay unacknowledged at the source.
    /// </summary>
    private bool Accept(IReadOnlyList<ByteString> records, List<SourceRecord> carry)
    {
        var read = new List<SourceRecord>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            RecordHead head;
            try
            {
                head = RecordHeads.Of(records[i]);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"the source sent record {i} that is not an etl.v1.Record ({e.Message})"));
            }

            if (head.Id.Length > 0 && head.Origin is { Source.Length: > 0 } origin)
            {
                read.Add(new SourceRecord(records[i], origin.Offset));
                continue;
            }

            var record = Record.Parser.ParseFrom(records[i]);
            record.Origin ??= new RecordOrigin();
            if (record.Origin.Source.Length == 0) record.Origin.Source = stage.Definition.Service;
            if (record.Id.Length == 0) record.Id = record.Origin.Offset.Length > 0 ? $"{stage.Definition.Service}:{record.Origin.Offset}" : Guid.NewGuid().ToString("N");
            read.Add(new SourceRecord(record.ToByteString(), record.Origin.Offset));
        }

        lock (gate)
        {
            if (finished) return false;
            demanded -= records.Count;
            pending += records.Count;
            inFlight += records.Count;
        }

        carry.AddRange(read);
        stage.CountIn(records.Count);
        return true;
    }

    private async Task ForwardAsync(long sessionId, List<SourceRecord> read, CancellationToken cancellationToken)
    {
        // Traced, each wire batch is a trace of its own, so a trace is one batch end to end; untraced, a read
        // goes on whole (the edges cut it into batches all the same) with one tracker.
        if (SidecarTracing.Source.HasListeners() && read.Count > BatchSize)
        {
            foreach (var chunk in read.Chunk((int)BatchSize)) await ForwardAsync(sessionId, [.. chunk], cancellationToken);
            return;
        }

        var count = read.Count;
        var started = Stopwatch.GetTimestamp();
        var offsets = read.Select(r => r.Offset).Where(o => o.Length > 0).ToList();
        var records = read.Select(r => r.Encoded).ToList();
        var tracker = new BatchTracker(_ =>
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            stage.Metrics.DeliveryLatency.Record(elapsed, stage.Tags);
            stage.Counters.Latency.Record(elapsed);
            Delivered(sessionId, offsets, count);
        });
        using var span = SidecarTracing.StartSourceBatch(stage, count);
        tracker.Trace = span?.Context ?? default;
        await outputs.SendAsync(records, tracker, cancellationToken);
        stage.CountOut(count);
        tracker.Close();
    }

    /// <summary>
    /// Every request queued now as one: acknowledgements and demand add up, and a client stream flushes each
    /// message it writes, so batches finishing together cost the source one message instead of one each.
    /// </summary>
    private static ReadRequest Merged(ChannelReader<ReadRequest> queued)
    {
        if (!queued.TryRead(out var merged)) return new ReadRequest();
        while (queued.TryRead(out var next))
        {
            merged.AcknowledgedOffsets.AddRange(next.AcknowledgedOffsets);
            merged.Demand += next.Demand;
        }

        return merged;
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
            inFlight -= count;
            if (sessionId == sessionNumber)
            {
                pending -= count;
                var room = MaxPending - pending - demanded;
                // Ask in batch-sized steps, but always when nothing else is on its way, so the source never idles.
                var give = draining ? 0 : room >= BatchSize || pending == 0 ? Math.Max(0, room) : 0;
                demanded += give;
                request.Demand = (uint)give;
            }

            requests?.Writer.TryWrite(request);
            FinishIfDone();
        }
    }

    /// <summary>
    /// Under the gate: a draining stage with nothing in flight is finished. The session's queue completes after
    /// the acknowledgements already in it, so the writer sends them and then ends the session; with no session
    /// open there is nothing left to send.
    /// </summary>
    private void FinishIfDone()
    {
        if (!draining || finished || inFlight > 0) return;
        finished = true;
        if (requests is null || !requests.Writer.TryComplete()) drained.TrySetResult();
    }

    /// <summary>A record as read (encoded), with the offset it is acknowledged by.</summary>
    private readonly record struct SourceRecord(ByteString Encoded, string Offset);
}
