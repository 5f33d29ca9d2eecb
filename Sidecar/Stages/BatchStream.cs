using EtlRouter.Sidecar.Flow;
using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// One long-lived stream to the pod's service (TransformStream, WriteStream) that carries one batch at a time.
/// A unary call per batch costs a new HTTP/2 stream with its headers and trailers on both sides; a message on an
/// open stream does not. A service that does not implement the stream answers Unimplemented once, and from then
/// on the stage calls it unary; so does a call that finds the stream busy (a retry beside the main flow). That
/// choice is made here, so a stage only asks for an answer.
/// </summary>
public sealed class BatchStream<TRequest, TResponse>(
    GrpcChannels channels,
    Func<ChannelBase, AsyncDuplexStreamingCall<TRequest, TResponse>> open,
    Func<ChannelBase, TRequest, CallOptions, AsyncUnaryCall<TResponse>> unary,
    Func<TResponse, ulong> batchIdOf,
    string method,
    ILogger logger) : IDisposable
    where TRequest : class
    where TResponse : class
{
    private readonly SemaphoreSlim turn = new(1, 1);
    private AsyncDuplexStreamingCall<TRequest, TResponse>? call;
    private string? callEndpoint;
    private volatile bool unimplemented;
    private bool disposed;

    /// <summary>The service's answer to one batch: over the stream when it can carry it, else by the unary call.</summary>
    public async Task<TResponse> CallAsync(string endpoint, TRequest request, ulong batchId, TimeSpan timeout, CancellationToken cancellationToken) =>
        await TryStreamAsync(endpoint, request, batchId, timeout, cancellationToken)
        ?? await unary(channels.For(endpoint), request, new CallOptions(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken));

    /// <summary>The answer over the stream, or null when the stream cannot carry this call.</summary>
    private async Task<TResponse?> TryStreamAsync(string endpoint, TRequest request, ulong batchId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (unimplemented || !turn.Wait(0)) return null;
        try
        {
            if (disposed) return null;
            if (call is null || callEndpoint != endpoint)
            {
                Reset();
                call = open(channels.For(endpoint));
                callEndpoint = endpoint;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await call.RequestStream.WriteAsync(request, deadline.Token);
                if (!await call.ResponseStream.MoveNext(deadline.Token))
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"{method}: the service ended the stream"));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!deadline.IsCancellationRequested) throw;
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"{method}: no answer within {timeout.TotalSeconds:0.#}s"));
            }

            var response = call.ResponseStream.Current;
            if (batchIdOf(response) != batchId)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"{method} answered batch {batchIdOf(response)} to batch {batchId}; a stream must answer in request order"));
            }

            return response;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            Reset();
            unimplemented = true;
            logger.LogInformation("{Method} is not implemented at {Endpoint}: calling once per batch instead", method, endpoint);
            return null;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // A stream that failed once is in an unknown state: the next batch opens a new one.
            Reset();
            throw;
        }
        catch (Exception e)
        {
            // A write on a stream the service dropped (it restarted, say) fails with an I/O error rather than a
            // status: the service is unavailable, which the stage waits out like any other call's.
            Reset();
            throw new RpcException(new Status(StatusCode.Unavailable, $"{method}: {e.Message}", e));
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>Closes the stream. Called once the stage's work has stopped, so no call holds it for long.</summary>
    public void Dispose()
    {
        var held = turn.Wait(TimeSpan.FromSeconds(5));
        disposed = true;
        Reset();
        if (held) turn.Release();
    }

    private void Reset()
    {
        call?.Dispose();
        call = null;
        callEndpoint = null;
    }
}
