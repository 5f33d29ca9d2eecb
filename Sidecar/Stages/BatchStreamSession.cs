using Grpc.Core;

namespace EtlRouter.Sidecar.Stages;

/// <summary>
/// One open TransformStream or WriteStream and the batches sent on it that wait for their answer, oldest first.
/// A reader matches each answer to the oldest batch; an answer for another batch, an error or the end of the
/// stream fails every batch still waiting, and the session is not used again.
/// </summary>
internal sealed class BatchStreamSession<TRequest, TResponse>
    where TRequest : class
    where TResponse : class
{
    private readonly AsyncDuplexStreamingCall<TRequest, TResponse> call;
    private readonly Func<TResponse, ulong> batchIdOf;
    private readonly string method;
    private readonly Queue<(ulong BatchId, TaskCompletionSource<TResponse> Answer)> waiting = new();
    private readonly object gate = new();
    private Exception? failure;

    public BatchStreamSession(AsyncDuplexStreamingCall<TRequest, TResponse> call, string endpoint, Func<TResponse, ulong> batchIdOf, string method)
    {
        this.call = call;
        this.batchIdOf = batchIdOf;
        this.method = method;
        Endpoint = endpoint;
        _ = Task.Run(ReadAnswersAsync);
    }

    public string Endpoint { get; }

    /// <summary>Why the session ended (null while it runs): every batch sent on it failed with this.</summary>
    public Exception? Failure { get { lock (gate) return failure; } }

    /// <summary>Registers a batch about to be written; its answer completes the task.</summary>
    public Task<TResponse> Expect(ulong batchId)
    {
        var answer = new TaskCompletionSource<TResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            // The stream may have ended before anything was sent on it (UNIMPLEMENTED comes at once): say why.
            if (failure is not null) answer.SetException(failure);
            else waiting.Enqueue((batchId, answer));
        }

        return answer.Task;
    }

    /// <summary>Writes one request; the caller writes one at a time.</summary>
    public Task WriteAsync(TRequest request, CancellationToken cancellationToken) => call.RequestStream.WriteAsync(request, cancellationToken);

    /// <summary>Fails every batch still waiting and closes the stream.</summary>
    public void Fail(Exception error)
    {
        List<TaskCompletionSource<TResponse>> orphans;
        lock (gate)
        {
            if (failure is not null) return;
            failure = error;
            orphans = [.. waiting.Select(w => w.Answer)];
            waiting.Clear();
        }

        foreach (var orphan in orphans) orphan.TrySetException(error);
        call.Dispose();
    }

    /// <summary>What a failure on the stream means to the stage: a status, as any call would have given.</summary>
    public static RpcException AsRpc(Exception e, string method) => e switch
    {
        RpcException rpc => rpc,
        // A write on a stream the service dropped (it restarted, say) fails with an I/O error rather than a
        // status: the service is unavailable, which the stage waits out like any other call's.
        _ => new RpcException(new Status(StatusCode.Unavailable, $"{method}: {e.Message}", e)),
    };

    private async Task ReadAnswersAsync()
    {
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var response = call.ResponseStream.Current;
                TaskCompletionSource<TResponse> answer;
                lock (gate)
                {
                    if (failure is not null) return;
                    if (!waiting.TryDequeue(out var oldest))
                    {
                        throw new RpcException(new Status(StatusCode.Internal, $"{method} answered batch {batchIdOf(response)}, which was not sent"));
                    }

                    if (oldest.BatchId != batchIdOf(response))
                    {
                        oldest.Answer.TrySetException(new RpcException(new Status(StatusCode.Internal, $"{method} answered batch {batchIdOf(response)} to batch {oldest.BatchId}; a stream must answer in request order")));
                        throw new RpcException(new Status(StatusCode.Unavailable, $"{method}: the stream was reset after an answer out of order"));
                    }

                    answer = oldest.Answer;
                }

                answer.TrySetResult(response);
            }

            Fail(new RpcException(new Status(StatusCode.Unavailable, $"{method}: the service ended the stream")));
        }
        catch (Exception e)
        {
            Fail(AsRpc(e, method));
        }
    }
}
