using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// The at-least-once half every reference source shares: a Read session sends records only within the demand
/// the sidecar gave, keeps each one until its offset is acknowledged, and sends the unacknowledged ones again
/// first in the next session. A new session takes over from an older one (a restarted sidecar).
/// </summary>
internal abstract class PullSource : SourceService.SourceServiceBase
{
    private const int MaxBatch = 500;
    private const int FullBatch = 100;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);
    private readonly object gate = new();
    // By offset; sorted only when a new session redelivers (rare), not on every record.
    private readonly Dictionary<string, Record> outstanding = new(StringComparer.Ordinal);
    private CancellationTokenSource? current;
    private long sent;
    private long acknowledged;
    private long redelivered;
    private long sessions;

    public long Sent => Interlocked.Read(ref sent);

    public long Acknowledged => Interlocked.Read(ref acknowledged);

    public long Redelivered => Interlocked.Read(ref redelivered);

    public long Sessions => Interlocked.Read(ref sessions);

    public int Outstanding { get { lock (gate) return outstanding.Count; } }

    /// <summary>The next new record, or null when none is ready now.</summary>
    protected abstract Record? Next(Google.Protobuf.Collections.MapField<string, string> options);

    /// <summary>Completes when a new record may be ready (data arrived, a rate limit refilled).</summary>
    protected abstract Task WaitForDataAsync(CancellationToken cancellationToken);

    /// <summary>True when a new record can be had now.</summary>
    protected abstract bool Ready { get; }

    /// <summary>True when the source will never have another new record.</summary>
    protected abstract bool Exhausted { get; }

    /// <summary>A session began: its first request names the reader and carries the stage's options.</summary>
    protected virtual void OnSessionStarted(ReadRequest first)
    {
    }

    /// <summary>The last session ended and no newer one took over: nobody reads now (until the next session).</summary>
    protected virtual void OnSessionEnded()
    {
    }

    /// <summary>A record was delivered end to end.</summary>
    protected virtual void OnAcknowledged(Record record)
    {
    }

    public override async Task Read(IAsyncStreamReader<ReadRequest> requestStream, IServerStreamWriter<ReadResponse> responseStream, ServerCallContext context)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        CancellationTokenSource? previous;
        lock (gate)
        {
            previous = current;
            current = session;
        }

        if (previous is not null) await previous.CancelAsync();
        Interlocked.Increment(ref sessions);
        if (!await requestStream.MoveNext(session.Token)) return;
        var options = requestStream.Current.Options;
        OnSessionStarted(requestStream.Current);
        var demand = new DemandCounter();
        Accept(requestStream.Current, demand);
        var redeliver = new Queue<Record>();
        lock (gate) foreach (var record in outstanding.OrderBy(o => o.Key, StringComparer.Ordinal)) redeliver.Enqueue(record.Value);

        var reader = Task.Run(async () =>
        {
            while (await requestStream.MoveNext(session.Token)) Accept(requestStream.Current, demand);

            // The sidecar ended the session cleanly (its pipeline drained): send nothing more.
            await session.CancelAsync();
        }, session.Token);

        try
        {
            while (!session.IsCancellationRequested)
            {
                var allowed = await demand.WaitAsync(session.Token);
                var batch = new ReadResponse();
                var lingerUntil = DateTime.UtcNow + Linger;
                while (batch.Records.Count < Math.Min(allowed, MaxBatch))
                {
                    // A trickle of records waits up to the linger time to fill a batch: many tiny batches
                    // would cost every hop a call each.
                    if (batch.Records.Count > 0 && batch.Records.Count < FullBatch && redeliver.Count == 0 && !Exhausted && DateTime.UtcNow < lingerUntil && !Ready)
                    {
                        var left = lingerUntil - DateTime.UtcNow;
                        if (left > TimeSpan.Zero) await Task.WhenAny(WaitForDataAsync(session.Token), Task.Delay(left, session.Token));
                        if (!Ready) break;
                    }

                    if (redeliver.TryDequeue(out var again))
                    {
                        lock (gate) if (!outstanding.ContainsKey(again.Origin.Offset)) continue;
                        batch.Records.Add(again);
                        Interlocked.Increment(ref redelivered);
                        continue;
                    }

                    if (Next(options) is not { } record) break;
                    lock (gate) outstanding[record.Origin.Offset] = record;
                    batch.Records.Add(record);
                }

                if (batch.Records.Count == 0)
                {
                    if (Exhausted)
                    {
                        await responseStream.WriteAsync(new ReadResponse { Exhausted = true }, session.Token);
                        await reader;
                        return;
                    }

                    await Task.WhenAny(WaitForDataAsync(session.Token), reader);
                    if (reader.IsCompleted) return;
                    continue;
                }

                demand.Use(batch.Records.Count);
                Interlocked.Add(ref sent, batch.Records.Count);
                await responseStream.WriteAsync(batch, session.Token);
            }
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
            // The sidecar left or ended the session, or a newer session took over; what it did not acknowledge
            // is sent again.
        }
        finally
        {
            bool ended;
            lock (gate)
            {
                ended = current == session;
                if (ended) current = null;
            }

            if (ended) OnSessionEnded();
        }
    }

    private void Accept(ReadRequest request, DemandCounter demand)
    {
        foreach (var offset in request.AcknowledgedOffsets)
        {
            Record? done;
            lock (gate) done = outstanding.Remove(offset, out var record) ? record : null;
            if (done is null) continue;
            Interlocked.Increment(ref acknowledged);
            OnAcknowledged(done);
        }

        demand.Add(request.Demand);
    }

    /// <summary>Records the sidecar still allows; waits while it allows none.</summary>
    private sealed class DemandCounter
    {
        private readonly SemaphoreSlim available = new(0);
        private long demand;

        public void Add(uint more)
        {
            if (more == 0) return;
            Interlocked.Add(ref demand, more);
            available.Release();
        }

        public void Use(int count) => Interlocked.Add(ref demand, -count);

        public async Task<long> WaitAsync(CancellationToken cancellationToken)
        {
            while (Interlocked.Read(ref demand) <= 0) await available.WaitAsync(cancellationToken);
            return Interlocked.Read(ref demand);
        }
    }
}
