using EtlRouter.Sidecar.Connections;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// One long-lived stream to the pod's service (TransformStream, WriteStream) that carries several batches at
/// once: requests go out as they come, and answers, which the contract sends in request order, are matched to
/// them in that order. A unary call per batch costs a new HTTP/2 stream with its headers and trailers on both
/// sides, and one batch at a time leaves both processes idle while the other works; a pipelined stream does
/// neither. A service that does not implement the stream answers Unimplemented once, and from then on the stage
/// calls it unary. That choice is made here, so a stage only asks for an answer.
/// </summary>
internal sealed class BatchStream<TRequest, TResponse>(
    GrpcChannels channels,
    Func<ChannelBase, AsyncDuplexStreamingCall<TRequest, TResponse>> open,
    Func<ChannelBase, TRequest, CallOptions, AsyncUnaryCall<TResponse>> unary,
    Func<TResponse, ulong> batchIdOf,
    string method,
    ILogger logger) : IDisposable
    where TRequest : class
    where TResponse : class
{
    private readonly SemaphoreSlim writeTurn = new(1, 1);
    private BatchStreamSession<TRequest, TResponse>? session;
    private int unimplemented;
    private bool disposed;

    /// <summary>The service's answer to one batch: over the stream when it can carry it, else by the unary call.</summary>
    public async Task<TResponse> CallAsync(string endpoint, TRequest request, ulong batchId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Unimplemented && await SendAsync(endpoint, request, batchId, cancellationToken) is { } sent)
        {
            try
            {
                return await sent.Answer.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // A stream with an answer this late is in an unknown state: the batches behind it go again on a new one.
                sent.Session.Fail(new RpcException(new Status(StatusCode.Unavailable, $"{method}: the stream was reset after a batch timed out")));
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"{method}: no answer within {timeout.TotalSeconds:0.#}s"));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                FallBackToUnary(endpoint);
            }
        }

        return await unary(channels.For(endpoint), request, new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken));
    }

    private bool Unimplemented => Volatile.Read(ref unimplemented) == 1;

    /// <summary>From now on every batch goes by the unary call; said once.</summary>
    private void FallBackToUnary(string endpoint)
    {
        if (Interlocked.Exchange(ref unimplemented, 1) == 1) return;
        logger.LogInformation("{Method} is not implemented at {Endpoint}: calling once per batch instead", method, endpoint);
    }

    /// <summary>Closes the stream; batches still waiting for an answer fail, and the stage retries or resends them.</summary>
    public void Dispose()
    {
        var held = writeTurn.Wait(TimeSpan.FromSeconds(5));
        disposed = true;
        session?.Fail(new RpcException(new Status(StatusCode.Unavailable, $"{method}: the stage stopped")));
        session = null;
        if (held) writeTurn.Release();
    }

    /// <summary>Writes the request on the stream (opening one when there is none), or null when the stream cannot carry it.</summary>
    private async Task<(BatchStreamSession<TRequest, TResponse> Session, Task<TResponse> Answer)?> SendAsync(string endpoint, TRequest request, ulong batchId, CancellationToken cancellationToken)
    {
        await writeTurn.WaitAsync(cancellationToken);
        try
        {
            if (disposed || Unimplemented) return null;
            if (session?.Failure is RpcException { StatusCode: StatusCode.Unimplemented })
            {
                FallBackToUnary(endpoint);
                return null;
            }

            if (session is null || session.Failure is not null || session.Endpoint != endpoint)
            {
                session?.Fail(new RpcException(new Status(StatusCode.Unavailable, $"{method}: the service moved to {endpoint}")));
                session = new BatchStreamSession<TRequest, TResponse>(open(channels.For(endpoint)), endpoint, batchIdOf, method);
            }

            var current = session;
            var answer = current.Expect(batchId);
            try
            {
                await current.WriteAsync(request, cancellationToken);
            }
            catch (Exception e)
            {
                // The write may have gone out in part: the stream cannot be trusted, and every batch on it goes again.
                current.Fail(cancellationToken.IsCancellationRequested ? new OperationCanceledException(cancellationToken) : BatchStreamSession<TRequest, TResponse>.AsRpc(e, method));
            }

            return (current, answer);
        }
        finally
        {
            writeTurn.Release();
        }
    }
}
