using System.Diagnostics;
using System.Threading.Channels;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Delivery;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Tracing;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// One stage running on this sidecar. A source stage pumps its source; a transform or sink stage takes
/// batches from its inbox (filled by inbound edges, within the credit they granted), calls its service with
/// several batches under way at once and with retries, passes the output on to every output edge in the order
/// the batches came, and then returns each batch's credit upstream.
/// </summary>
internal sealed class StageRunner
{
    private readonly Channel<InputBatch> inbox = Channel.CreateUnbounded<InputBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> work = [];
    private readonly RecordRetrier? retrier;
    private readonly IDisposable? serviceCall;

    /// <summary>Batches a transform or sink stage has at its service at once (over the service's stream).</summary>
    public const int CallsInFlight = 4;

    public StageRunner(StageContext context, StageOutputs outputs, DeadLetterWriter deadLetters, RouterClients router, FlowReportRequests flowReports)
    {
        Context = context;
        Outputs = outputs;
        var kind = context.Definition.Kind;
        if (kind == StageKind.Source)
        {
            var source = new SourcePump(context, outputs);
            Source = source;
            _ = source.Drained.ContinueWith(_ => flowReports.Request(), TaskScheduler.Default);
            if (context.Assignment.Draining) source.Drain();
            work.Add(Task.Run(() => source.RunAsync(stop.Token)));
            return;
        }

        RecordCall call;
        if (kind == StageKind.Transform)
        {
            var transform = new TransformCall(context);
            (call, serviceCall) = (transform.CallAsync, transform);
        }
        else
        {
            var sink = new SinkCall(context);
            (call, serviceCall) = (sink.CallAsync, sink);
        }

        retrier = new RecordRetrier(context, call, deadLetters, kind == StageKind.Transform ? EmitAsync : (_, _, _) => Task.CompletedTask);
        work.Add(Task.Run(ProcessInboxAsync));
        if (context.Assignment.Replica == 0)
        {
            // One replica replays the stage's dead letters, so each is retried once per request.
            work.Add(Task.Run(() => new ReplayPoller(context, router, Replay).RunAsync(stop.Token)));
        }
    }

    public StageContext Context { get; }

    /// <summary>Where the stage's output goes: one edge per next stage.</summary>
    public StageOutputs Outputs { get; }

    /// <summary>The source pump of a source stage; null for transforms and sinks.</summary>
    public SourcePump? Source { get; }

    /// <summary>Cancelled when the stage stops; inbound edges close with it.</summary>
    public CancellationToken Stopping => stop.Token;

    /// <summary>What this stage grants each input edge.</summary>
    public CreditBudget InputBudget => Context.Assignment.InputBudget ?? new CreditBudget { MaxInFlightRecords = 1000, MaxInFlightBytes = 8 << 20, BatchSize = 100 };

    public bool TryAccept(InputBatch batch) => inbox.Writer.TryWrite(batch);

    /// <summary>Dead letters replayed into the stage: an input batch with no credit to return.</summary>
    private bool Replay(IReadOnlyList<ByteString> records, BatchTracker tracker) =>
        TryAccept(new InputBatch(records, InputBatch.SizeOf(records), tracker, () => { }));

    public Task UpdateAsync(AssignedStage assignment)
    {
        Context.Assignment = assignment;
        if (assignment.Draining) Source?.Drain();
        return Outputs.UpdateAsync(assignment);
    }

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        inbox.Writer.TryComplete();
        try
        {
            await Task.WhenAll(work);
        }
        catch (OperationCanceledException)
        {
            // Expected: the stage was told to stop.
        }

        serviceCall?.Dispose();

        await Outputs.StopAsync();
    }

    private async Task EmitAsync(IReadOnlyList<ByteString> outputs, BatchTracker tracker, CancellationToken cancellationToken)
    {
        if (outputs.Count == 0) return;
        Context.CountOut(outputs.Count);
        await Outputs.SendAsync(outputs, tracker, cancellationToken);
    }

    /// <summary>
    /// Takes batches from the inbox and has up to <see cref="CallsInFlight"/> of them at the service at once, so
    /// neither side waits for the other between batches; each is finished (its output passed on, its credit
    /// returned) in the order it came, so a stage keeps the order of its input.
    /// </summary>
    private async Task ProcessInboxAsync()
    {
        var underWay = new Queue<(InputBatch Batch, Task<CallResult> Result, long Started, Activity? Span)>();
        try
        {
            while (true)
            {
                while (underWay.Count < CallsInFlight && inbox.Reader.TryRead(out var next))
                {
                    Context.CountIn(next.Records.Count);
                    var stageSpan = SidecarTracing.StartStage(Context, next.Tracker, next.Records.Count);
                    if (stageSpan is not null) next.Tracker.Trace = stageSpan.Context;
                    underWay.Enqueue((next, retrier!.CallAsync(next.Records, next.Tracker.Trace, stop.Token), Stopwatch.GetTimestamp(), stageSpan));
                }

                if (underWay.Count == 0)
                {
                    if (!await inbox.Reader.WaitToReadAsync(stop.Token)) break;
                    continue;
                }

                var (batch, result, started, span) = underWay.Dequeue();
                using (span)
                {
                    try
                    {
                        await retrier!.FinishAsync(batch.Records, await result, batch.Tracker, stop.Token);
                    }
                    catch (Exception e) when (Stopped.By(e, stop.Token))
                    {
                        break;
                    }
                    catch (Exception e)
                    {
                        // Not acked: the upstream resends the batch when its edge reconnects.
                        span?.SetStatus(ActivityStatusCode.Error, e.Message);
                        Context.Logger.LogError(e, "Stage {Stage}: a batch of {Count} failed unexpectedly", Context.Key, batch.Records.Count);
                        continue;
                    }
                }

                batch.ReturnCredit();
                batch.Tracker.Close();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Context.Metrics.BatchLatency.Record(elapsed, Context.Tags);
                Context.Counters.Latency.Record(elapsed);
            }
        }
        finally
        {
            // Calls still under way when the stage stops end with it; their batches stay unacked and come again.
            foreach (var (_, result, _, span) in underWay)
            {
                span?.Dispose();
                _ = result.ContinueWith(t => t.Exception, TaskScheduler.Default);
            }
        }
    }
}
