using EtlRouter.Bench.DataPlane.V1;
using EtlRouter.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// One raw relay process: forwards each batch to the next relay over one client stream (no credits, no acks),
/// or, as the last in the chain, counts records and their latency (now minus event time).
/// </summary>
public sealed class RawRelayService(RawRelayOptions options) : RawRelay.RawRelayBase
{
    public override async Task<PushSummary> Push(IAsyncStreamReader<Batch> requestStream, ServerCallContext context)
    {
        if (options.Next is null)
        {
            var latencies = new List<double>();
            ulong count = 0;
            await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
            {
                var now = DateTime.UtcNow;
                count += (ulong)batch.Records.Count;
                foreach (var record in batch.Records) latencies.Add((now - record.EventTime.ToDateTime()).TotalMilliseconds);
            }

            latencies.Sort();
            return new PushSummary { Records = count, LatencyP50Ms = Percentile(latencies, 50), LatencyP99Ms = Percentile(latencies, 99) };
        }

        using var channel = GrpcChannel.ForAddress($"http://{options.Next}", new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20, MaxSendMessageSize = 64 << 20 });
        using var call = new RawRelay.RawRelayClient(channel).Push(cancellationToken: context.CancellationToken);
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken)) await call.RequestStream.WriteAsync(batch);
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)], 2);
}

public sealed record RawRelayOptions(string? Next);
