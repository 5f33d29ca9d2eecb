using System.Threading.Channels;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Identity;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Security;
using EtlRouter.Sidecar.Stages;
using EtlRouter.Sidecar.Wire;
using Grpc.Core;

namespace EtlRouter.Sidecar.Receive;

/// <summary>
/// The receiving end of edges (SidecarDataPlane.Exchange). Grants the stage's input budget, takes batches only
/// within the credit granted (a sender that overdraws is cut off), returns credit as the stage passes records
/// on, and acks each batch once everything that came of it is done downstream. Records stay encoded
/// (EncodedDataPlaneBase): the sidecar passes them on without decoding them. When the sidecar is told to stop
/// (SIGTERM: its pod is deleted), every inbound edge ends at once with Unavailable, so the senders resend what was
/// not acked elsewhere and the server does not wait out its shutdown timeout for streams that never end.
/// </summary>
internal sealed class DataPlaneService(StageSupervisor supervisor, SidecarTransport transport, IHostApplicationLifetime lifetime, ILogger<DataPlaneService> logger) : EncodedDataPlaneBase
{
    /// <summary>How long an edge may wait for the receiver to learn of its stage before being refused.</summary>
    private static readonly TimeSpan AssignmentGrace = TimeSpan.FromSeconds(2);

    public override async Task Exchange(IAsyncStreamReader<EncodedEdgeFrame> requestStream, IServerStreamWriter<EdgeSignal> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken)) return;
        if (requestStream.Current.BodyCase != EncodedEdgeFrame.BodyOneofCase.Open)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first frame of an Exchange stream must be 'open' (pipeline, from_stage, to_stage)"));
        }

        var open = requestStream.Current.Open;
        if (open.Pipeline is null || open.ToStage.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "open.pipeline and open.to_stage are required"));
        }

        var key = StageKey.Of(open.Pipeline, open.ToStage);
        var runner = await supervisor.FindAsync(key, AssignmentGrace, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this sidecar does not run stage {key} (epoch {supervisor.Epoch}); ask the router where it runs"));
        if (transport.IsMutual) RequireAssignedUpstream(runner, open, context);

        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, runner.Stopping, lifetime.ApplicationStopping);
        var signals = Channel.CreateUnbounded<EdgeSignal>(new UnboundedChannelOptions { SingleReader = true });
        var writer = Task.Run(() => WriteSignalsAsync(signals.Reader, responseStream, stream.Token), stream.Token);

        var budget = runner.InputBudget;
        var window = new ReceiverWindow(budget.MaxInFlightRecords, (long)Math.Min(budget.MaxInFlightBytes, long.MaxValue / 2));
        signals.Writer.TryWrite(new EdgeSignal { Credit = new Credit { Records = budget.MaxInFlightRecords, Bytes = budget.MaxInFlightBytes } });
        try
        {
            while (await requestStream.MoveNext(stream.Token))
            {
                var frame = requestStream.Current;
                if (frame.BodyCase != EncodedEdgeFrame.BodyOneofCase.Batch)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "after 'open', only 'batch' frames may follow"));
                }

                var batch = frame.Batch;
                var records = batch.Records;
                if (RecordHeads.FirstMisframed(records) is (var index, var error))
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"batch {batch.Seq}: record {index} is not an etl.v1.Record ({error})"));
                }

                var bytes = InputBatch.SizeOf(records);
                if (!window.TryTake(records.Count, bytes))
                {
                    logger.LogWarning("Edge {From}->{Key} from {Sender}: batch {Seq} overdraws its credit; closing the stream", open.FromStage, key, open.SenderId, batch.Seq);
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, $"batch {batch.Seq} ({records.Count} records, {bytes} bytes) exceeds the credit granted; a sender must wait for credit"));
                }

                var seq = batch.Seq;
                var tracker = new BatchTracker(_ => signals.Writer.TryWrite(new EdgeSignal { Ack = new Ack { Seq = seq } }))
                {
                    Trace = Tracing.SidecarTracing.Parse(batch.Traceparent),
                };
                var count = records.Count;
                var returned = 0;
                var input = new InputBatch(records, bytes, tracker, () =>
                {
                    if (Interlocked.Exchange(ref returned, 1) != 0) return;
                    window.Return(count, bytes);
                    signals.Writer.TryWrite(new EdgeSignal { Credit = new Credit { Records = (uint)count, Bytes = (ulong)bytes } });
                });
                if (!runner.TryAccept(input))
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"stage {key} is stopping; resend elsewhere"));
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the sidecar running stage {key} is shutting down; resend elsewhere"));
        }
        catch (OperationCanceledException) when (runner.Stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"stage {key} stopped on this sidecar"));
        }
        finally
        {
            signals.Writer.TryComplete();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Sends the edge's credits and acks. Signals that queued up meanwhile go out in one flush (the last of them
    /// flushes): a sink stage frees credit and acks the same batch back to back, and every flush is a syscall
    /// and an HTTP/2 frame of its own.
    /// </summary>
    /// <summary>
    /// Refuses a stream whose sender is not assigned the upstream stage of this edge: a sidecar of the namespace
    /// that was never given that stage cannot inject records. PermissionDenied; the sender's assignment may be newer
    /// than ours, so it retries as it does for a stage not running yet.
    /// </summary>
    private void RequireAssignedUpstream(StageRunner runner, EdgeOpen open, ServerCallContext context)
    {
        var sender = context.GetHttpContext().Connection.ClientCertificate is { } certificate ? PeerIdentity.FromCertificate(certificate) : null;
        var input = runner.Context.Assignment.Inputs.FirstOrDefault(i => i.FromStage == open.FromStage);
        if (sender is not null && input is not null && input.SidecarIds.Contains(sender.Name)) return;
        var why = input is null
            ? $"stage {open.ToStage} has no input '{open.FromStage}'"
            : $"{sender?.ToString() ?? "a caller without an identity"} is not assigned stage {open.FromStage} (its sidecars: {string.Join(", ", input.SidecarIds)})";
        logger.LogWarning("Refused an edge to {Stage} from {Peer}: {Why}", runner.Context.Key, context.Peer, why);
        throw new RpcException(new Status(StatusCode.PermissionDenied, $"edge {open.FromStage} -> {open.ToStage}: {why}"));
    }

    private static async Task WriteSignalsAsync(ChannelReader<EdgeSignal> signals, IServerStreamWriter<EdgeSignal> responseStream, CancellationToken cancellationToken)
    {
        var buffered = new WriteOptions(WriteFlags.BufferHint);
        while (await signals.WaitToReadAsync(cancellationToken))
        {
            while (signals.TryRead(out var signal))
            {
                responseStream.WriteOptions = signals.TryPeek(out _) ? buffered : WriteOptions.Default;
                await responseStream.WriteAsync(signal, cancellationToken);
            }
        }
    }
}
