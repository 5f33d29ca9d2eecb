using EtlRouter.Bench.DataPlane.V1;
using EtlRouter.Connectors.Sinks;
using EtlRouter.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// One raw relay process: forwards each batch to the next relay over one client stream (no credits, no acks),
/// or, as the last in the chain, counts records and their latency (now minus event time).
/// </summary>
public sealed class RawRelayService(RawRelayOptions options, RawSinkCounters counters) : RawRelay.RawRelayBase
{
    public override async Task<PushSummary> Push(IAsyncStreamReader<Batch> requestStream, ServerCallContext context)
    {
        if (options.Next is null)
        {
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                counters.Count(batch);
            }

            return counters.Summary();
        }

        using var channel = GrpcChannel.ForAddress($"http://{options.Next}", new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        using var call = new RawRelay.RawRelayClient(channel).Push(cancellationToken: context.CancellationToken);
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken)) await call.RequestStream.WriteAsync(batch);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    public override Task<PushSummary> Stats(StatsRequest request, ServerCallContext context)
    {
        if (request.ResetLatency) counters.Latency.Clear();
        return Task.FromResult(counters.Summary());
    }
}

public sealed record RawRelayOptions(string? Next);

/// <summary>What the last process of the raw chain has received, across its Push calls.</summary>
public sealed class RawSinkCounters
{
    private long records;

    public LatencyHistogram Latency { get; } = new();

    /// <summary>One batch arrived: its records, and each one's latency (now minus event time).</summary>
    public void Count(Batch batch)
    {
        var now = DateTime.UtcNow;
        Latency.Add(batch.Records.Select(r => now - r.EventTime.ToDateTime()));
        Interlocked.Add(ref records, batch.Records.Count);
    }

    public PushSummary Summary() => new()
    {
        Records = (ulong)Interlocked.Read(ref records),
        LatencyP50Ms = Latency.Percentile(50),
        LatencyP99Ms = Latency.Percentile(99),
    };
}
