using System.Globalization;
using EtlRouter.Bench.DataPlane.V1;
using EtlRouter.Connectors.Sources;
using EtlRouter.Contracts.V1;
using Grpc.Net.Client;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// The raw ceiling: this process generates the same records (<see cref="GeneratedRecords"/>) and batches, pushes them through three relay
/// processes to a sink process over plain gRPC client streams: no credits, acknowledgements or bookkeeping.
/// </summary>
public static class RawChain
{
    // forwardBytes: the relays pass batches on undecoded (RawBytesRelayService); else they decode and re-encode each.
    public static async Task<Measurement> RunAsync(string self, int size, int batchSize, double rate, SteadyWindow window, bool forwardBytes)
    {
        using var processes = new Processes();
        var ports = Processes.FreePorts(4);
        for (var i = 3; i >= 0; i--)
        {
            var role = i == 3 ? "sink" : $"relay{i + 1}";
            string[] next = i == 3 ? [] : forwardBytes ? ["--next", $"127.0.0.1:{ports[i + 1]}", "--bytes"] : ["--next", $"127.0.0.1:{ports[i + 1]}"];
            processes.Start(role, self, ["raw-relay", "--port", ports[i].ToString(CultureInfo.InvariantCulture), .. next]);
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports[0]}", new GrpcChannelOptions { MaxSendMessageSize = 64 << 20 });
        using var sinkChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports[3]}");
        var client = new RawRelay.RawRelayClient(channel);
        var sink = new RawRelay.RawRelayClient(sinkChannel);
        await WaitAnsweringAsync(client);
        await WaitAnsweringAsync(sink);

        using var stop = new CancellationTokenSource();
        var push = Task.Run(() => PushAsync(client, new GeneratedRecords("raw", size, seed: 1, keyed: false), batchSize, rate, stop.Token));
        var perSecond = await window.MeasureAsync(
            processes,
            async () => (long)(await sink.StatsAsync(new StatsRequest())).Records,
            async () => await sink.StatsAsync(new StatsRequest { ResetLatency = true }));
        var summary = await sink.StatsAsync(new StatsRequest());
        await stop.CancelAsync();
        await push.ContinueWith(_ => { }, TaskScheduler.Default);
        return new Measurement(forwardBytes ? "raw gRPC chain (bytes)" : "raw gRPC chain (decoding)", size, perSecond, summary.LatencyP50Ms, summary.LatencyP99Ms, processes.PeakRss);
    }

    /// <summary>Batches down the chain, without end, at <paramref name="rate"/> records/s (0: as fast as they go).</summary>
    private static async Task PushAsync(RawRelay.RawRelayClient client, GeneratedRecords records, int batchSize, double rate, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var call = client.Push(cancellationToken: cancellationToken);
        for (long sent = 0; !cancellationToken.IsCancellationRequested; sent += batchSize)
        {
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
            }

            var batch = new Batch { Seq = (ulong)sent };
            for (var i = sent; i < sent + batchSize; i++) batch.Records.Add(records.Make(i));
            await call.RequestStream.WriteAsync(batch, cancellationToken);
        }
    }

    private static async Task WaitAnsweringAsync(RawRelay.RawRelayClient client)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                await client.StatsAsync(new StatsRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return;
            }
            catch (Grpc.Core.RpcException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("the raw chain did not start");
    }
}
