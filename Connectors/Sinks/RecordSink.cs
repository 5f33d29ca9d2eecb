using System.Diagnostics;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// What the reference sinks share: both the unary and the streaming write; --max-rate N (records/s) slows the
/// sink down to N, for demos and the slow-sink tests; a write failure of the whole batch becomes an RPC error the
/// sidecar retries.
/// </summary>
internal abstract class RecordSink(ConnectorSettings settings) : SinkService.SinkServiceBase
{
    private readonly long maxRate = settings.Number("max-rate", 0);
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly SemaphoreSlim pace = new(1);
    private long admitted;
    private long written;
    private int largestBatch;
    private long unaryBatches;
    private long streamedBatches;

    protected ConnectorSettings Settings { get; } = settings;

    /// <summary>Records written so far (a redelivered record counts again unless the sink deduplicates).</summary>
    public long Written => Interlocked.Read(ref written);

    /// <summary>The most records one Write call carried: flowControl.batchSize bounds it.</summary>
    public int LargestBatch => Volatile.Read(ref largestBatch);

    /// <summary>Batches that came by Write, one call each, and by WriteStream: the sidecar should use the stream.</summary>
    public long UnaryBatches => Interlocked.Read(ref unaryBatches);

    public long StreamedBatches => Interlocked.Read(ref streamedBatches);

    /// <summary>Event time to write, per record (this machine's clock): what /stats reports as p50/p99.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Writes the batch durably; returns the records that could not be written.</summary>
    protected abstract Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken);

    public override Task<WriteResponse> Write(WriteRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref unaryBatches);
        return WriteBatchAsync(request, context);
    }

    public override async Task WriteStream(IAsyncStreamReader<WriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Interlocked.Increment(ref streamedBatches);
            await responseStream.WriteAsync(await WriteBatchAsync(request, context));
        }
    }

    private async Task<WriteResponse> WriteBatchAsync(WriteRequest request, ServerCallContext context)
    {
        if (maxRate > 0) await ThrottleAsync(request.Records.Count, context.CancellationToken);
        IReadOnlyList<RecordError> failures;
        try
        {
            failures = await WriteAsync(request, context.CancellationToken);
        }
        catch (ConnectorSettingsException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (Exception e) when (e is IOException or Npgsql.NpgsqlException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"write failed: {e.Message}"));
        }

        Interlocked.Add(ref written, request.Records.Count - failures.Count);
        for (var largest = LargestBatch; request.Records.Count > largest; largest = LargestBatch)
        {
            if (Interlocked.CompareExchange(ref largestBatch, request.Records.Count, largest) == largest) break;
        }

        var now = DateTime.UtcNow;
        Latency.Add(request.Records.Where(r => r.EventTime is not null).Select(r => now - r.EventTime.ToDateTime()));

        var response = new WriteResponse { BatchId = request.BatchId };
        response.Failures.AddRange(failures);
        return response;
    }

    private async Task ThrottleAsync(int count, CancellationToken cancellationToken)
    {
        await pace.WaitAsync(cancellationToken);
        try
        {
            admitted += count;
            var due = TimeSpan.FromSeconds((double)admitted / maxRate) - clock.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
            else if (-due > TimeSpan.FromSeconds(1)) admitted = (long)(clock.Elapsed.TotalSeconds * maxRate); // no credit for idle time
        }
        finally
        {
            pace.Release();
        }
    }
}
