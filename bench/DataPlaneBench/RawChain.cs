using System.Diagnostics;
using System.Globalization;
using EtlRouter.Bench.DataPlane.V1;
using EtlRouter.Connectors.Sources;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// The raw ceiling: this process generates the same records (<see cref="GeneratedRecords"/>) and batches, pushes them through three relay
/// processes to a sink process over plain gRPC client streams: no credits, acknowledgements or bookkeeping.
/// </summary>
public static class RawChain
{
    public static async Task<Measurement> RunAsync(string self, int size, int count, int batchSize, double rate)
    {
        using var processes = new Processes();
        var ports = Processes.FreePorts(4);
        for (var i = 3; i >= 0; i--)
        {
            var role = i == 3 ? "sink" : $"relay{i + 1}";
            string[] next = i == 3 ? [] : ["--next", $"127.0.0.1:{ports[i + 1]}"];
            processes.Start(role, self, ["raw-relay", "--port", ports[i].ToString(CultureInfo.InvariantCulture), .. next]);
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports[0]}", new GrpcChannelOptions { MaxSendMessageSize = 64 << 20 });
        var client = new RawRelay.RawRelayClient(channel);
        await WaitAnsweringAsync(client);
        var records = new GeneratedRecords("raw", size, seed: 1, keyed: false);
        var clock = Stopwatch.StartNew();
        using var call = client.Push();
        for (var sent = 0; sent < count; sent += batchSize)
        {
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }

            var batch = new Batch { Seq = (ulong)sent };
            for (var i = sent; i < Math.Min(count, sent + batchSize); i++) batch.Records.Add(records.Make(i));

            await call.RequestStream.WriteAsync(batch);
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call;
        var seconds = clock.Elapsed.TotalSeconds;
        if ((int)summary.Records != count) throw new InvalidOperationException($"raw chain delivered {summary.Records} of {count}");
        return new Measurement("raw gRPC chain", size, count / seconds, summary.LatencyP50Ms, summary.LatencyP99Ms, processes.PeakRss);
    }

    private static async Task WaitAnsweringAsync(RawRelay.RawRelayClient client)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var probe = client.Push(deadline: DateTime.UtcNow.AddSeconds(2));
                await probe.RequestStream.CompleteAsync();
                await probe;
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
