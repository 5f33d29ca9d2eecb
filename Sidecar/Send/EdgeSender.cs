using System.Threading.Channels;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Wire;
using Grpc.Core;

namespace EtlRouter.Sidecar.Send;

/// <summary>
/// The sending end of one edge to one target sidecar: a long-lived Exchange stream, sends only within the
/// receiver's credit, keeps every batch until acked, and on a broken stream reconnects and resends what was
/// not acked. Retiring it hands back everything unacked so the edge can send it elsewhere.
/// </summary>
internal sealed class EdgeSender
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);
    private readonly EdgeAddress edge;
    private readonly string target;
    private readonly GrpcChannels channels;
    private readonly SidecarOptions options;
    private readonly Func<ulong> epoch;
    private readonly Action<OutboundBatch> acked;
    private readonly ILogger logger;
    private readonly Channel<OutboundBatch> queue = Channel.CreateUnbounded<OutboundBatch>();
    private readonly List<OutboundBatch> carryOver = [];
    private readonly Dictionary<ulong, OutboundBatch> unacked = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private volatile CreditWindow window = new();
    private long queuedRecords;
    private bool failureReported;
    private Exception? streamError;

    public EdgeSender(EdgeAddress edge, string target, GrpcChannels channels, SidecarOptions options, Func<ulong> epoch, Action<OutboundBatch> acked, ILogger logger)
    {
        this.edge = edge;
        this.target = target;
        this.channels = channels;
        this.options = options;
        this.epoch = epoch;
        this.acked = acked;
        this.logger = logger;
        loop = Task.Run(RunAsync);
    }

    public string Target => target;

    /// <summary>Credit the sender holds now (0 while the receiver is the bottleneck).</summary>
    public long CreditRecords => window.Records;

    public long CreditBytes => window.Bytes;

    /// <summary>Records waiting to be sent or acked.</summary>
    public long Backlog
    {
        get
        {
            lock (unacked)
            {
                var records = Interlocked.Read(ref queuedRecords);
                foreach (var batch in unacked.Values) records += batch.Records.Count;
                foreach (var batch in carryOver) records += batch.Records.Count;
                return records;
            }
        }
    }

    public void Enqueue(OutboundBatch batch)
    {
        Interlocked.Add(ref queuedRecords, batch.Records.Count);
        queue.Writer.TryWrite(batch);
    }

    /// <summary>Stops the stream and returns every batch that was not acked, for sending elsewhere.</summary>
    public async Task<IReadOnlyList<OutboundBatch>> RetireAsync()
    {
        await stop.CancelAsync();
        await loop;
        var left = new List<OutboundBatch>();
        lock (unacked)
        {
            left.AddRange(carryOver);
            carryOver.Clear();
        }

        while (queue.Reader.TryRead(out var batch)) left.Add(batch);
        Interlocked.Exchange(ref queuedRecords, 0);
        return left;
    }

    private async Task RunAsync()
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync();
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (!failureReported) logger.LogWarning("Edge {Edge} to {Target}: {Reason}; retrying", edge, target, Reason(streamError ?? e));
                failureReported = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(backoff, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private async Task SessionAsync()
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        using var call = channels.ForSidecar(target).CreateCallInvoker().AsyncDuplexStreamingCall(EncodedMethods.Exchange, null, new CallOptions(cancellationToken: session.Token));
        var credit = new CreditWindow();
        window = credit;
        OutboundBatch? inHand = null;
        Task? reader = null;
        streamError = null;
        try
        {
            await call.RequestStream.WriteAsync(new EncodedEdgeFrame
            {
                Open = new EdgeOpen { Pipeline = edge.PipelineRef, FromStage = edge.FromStage, ToStage = edge.ToStage, SenderId = options.SidecarId, Epoch = epoch() },
            }, session.Token);
            reader = ReadSignalsAsync(call.ResponseStream, credit, session);

            using (var openDeadline = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
            {
                openDeadline.CancelAfter(options.EdgeOpenTimeout);
                try
                {
                    await credit.WaitForGrantAsync(openDeadline.Token);
                }
                catch (OperationCanceledException) when (!session.IsCancellationRequested)
                {
                    throw new TimeoutException($"the receiver granted no credit within {options.EdgeOpenTimeout.TotalSeconds:0.#}s");
                }
            }

            if (failureReported) logger.LogInformation("Edge {Edge} to {Target}: connected", edge, target);
            failureReported = false;
            var resend = TakeCarryOver();
            ulong seq = 0;
            while (true)
            {
                if (resend.Count > 0)
                {
                    inHand = resend.Dequeue();
                }
                else
                {
                    inHand = await queue.Reader.ReadAsync(session.Token);
                    Interlocked.Add(ref queuedRecords, -inHand.Records.Count);
                }

                await credit.TakeAsync(inHand.Records.Count, inHand.Bytes, session.Token);
                seq++;
                lock (unacked) unacked[seq] = inHand;
                var frame = new EncodedEdgeFrame { Batch = inHand.ToFrame(seq) };
                inHand = null;
                await call.RequestStream.WriteAsync(frame, session.Token);
            }
        }
        finally
        {
            await session.CancelAsync();
            if (reader is not null) await reader.ContinueWith(_ => { }, TaskScheduler.Default);
            lock (unacked)
            {
                // Resent in the order they were first sent.
                var order = new List<ulong>(unacked.Keys);
                order.Sort();
                foreach (var seq in order) carryOver.Add(unacked[seq]);
                unacked.Clear();
                if (inHand is not null) carryOver.Add(inHand);
            }

            window = new CreditWindow();
        }
    }

    private async Task ReadSignalsAsync(IAsyncStreamReader<EdgeSignal> signals, CreditWindow credit, CancellationTokenSource session)
    {
        try
        {
            while (await signals.MoveNext(session.Token))
            {
                var signal = signals.Current;
                switch (signal.BodyCase)
                {
                    case EdgeSignal.BodyOneofCase.Credit:
                        credit.Grant(signal.Credit.Records, signal.Credit.Bytes);
                        break;
                    case EdgeSignal.BodyOneofCase.Ack:
                        if (Take(signal.Ack.Seq) is { } done) acked(done);
                        break;
                    case EdgeSignal.BodyOneofCase.Nack:
                        if (Take(signal.Nack.Seq) is { } refused) Enqueue(refused);
                        break;
                }
            }
        }
        catch (Exception e) when (!session.IsCancellationRequested)
        {
            streamError = e;
        }
        finally
        {
            // The stream ended: the send loop must stop too, and what was not acked is carried over.
            await session.CancelAsync();
        }
    }

    private OutboundBatch? Take(ulong seq)
    {
        lock (unacked) return unacked.Remove(seq, out var batch) ? batch : null;
    }

    private Queue<OutboundBatch> TakeCarryOver()
    {
        lock (unacked)
        {
            var resend = new Queue<OutboundBatch>(carryOver);
            carryOver.Clear();
            return resend;
        }
    }

    private static string Reason(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        OperationCanceledException => "the stream was closed",
        _ => e.Message,
    };
}
