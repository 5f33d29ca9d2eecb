using System.Diagnostics;
using System.Globalization;
using EtlRouter.Connectors.Sinks;
using EtlRouter.Connectors.Sources;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// The pipeline many users would build instead: NATS JetStream (Debian's nats-server) with two streams. This
/// process publishes the same records (each awaited for its JetStream ack, 100 in flight), a transform process
/// consumes the first stream and republishes to the second before acking (at-least-once), and a consumer here
/// acks and counts what reaches the second stream.
/// </summary>
public static class NatsChain
{
    public static async Task<Measurement> RunAsync(string self, int size, int batchSize, double rate, StreamConfigStorage storage, SteadyWindow window)
    {
        using var processes = new Processes();
        var port = Processes.FreePorts(1)[0];
        var store = Directory.CreateTempSubdirectory("etl-bench-nats-").FullName;
        processes.StartExecutable("nats-server", "nats-server", ["-js", "-a", "127.0.0.1", "-p", $"{port}", "-sd", store]);
        var url = $"nats://127.0.0.1:{port}";
        await using var client = new NatsClient(url);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.ConnectAsync();
                break;
            }
            catch (NATS.Client.Core.NatsException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }

        var js = client.CreateJetStreamContext();
        await js.CreateStreamAsync(new StreamConfig("IN", ["in"]) { Storage = storage });
        await js.CreateStreamAsync(new StreamConfig("OUT", ["out"]) { Storage = storage });
        processes.Start("transform", self, ["nats-transform", url, $"{batchSize}"]);

        var consumer = await js.CreateOrUpdateConsumerAsync("OUT", new ConsumerConfig("sink") { AckPolicy = ConsumerConfigAckPolicy.Explicit });
        var latency = new LatencyHistogram();
        long received = 0;
        using var stop = new CancellationTokenSource();
        var sink = Task.Run(async () =>
        {
            await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = batchSize * 10 }, cancellationToken: stop.Token))
            {
                var record = Record.Parser.ParseFrom(message.Data);
                latency.Add([DateTime.UtcNow - record.EventTime.ToDateTime()]);
                await message.AckAsync(cancellationToken: stop.Token);
                Interlocked.Increment(ref received);
            }
        });

        var publish = Task.Run(() => PublishAsync(js, new GeneratedRecords("nats", size, seed: 1, keyed: false), batchSize, rate, stop.Token));
        var perSecond = await window.MeasureAsync(processes, () => Task.FromResult(Interlocked.Read(ref received)), () =>
        {
            latency.Clear();
            return Task.CompletedTask;
        });
        var measurement = new Measurement($"NATS JetStream ({storage.ToString().ToLowerInvariant()})", size, perSecond,
            latency.Percentile(50), latency.Percentile(99), processes.PeakRss);
        await stop.CancelAsync();
        await Task.WhenAll(sink, publish).ContinueWith(_ => { }, TaskScheduler.Default);
        try
        {
            Directory.Delete(store, recursive: true);
        }
        catch (IOException)
        {
        }

        return measurement;
    }

    /// <summary>Records into the first stream, without end, each awaited for its JetStream ack, a batch in flight at a time.</summary>
    private static async Task PublishAsync(INatsJSContext js, GeneratedRecords records, int batchSize, double rate, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (long sent = 0; !cancellationToken.IsCancellationRequested; sent += batchSize)
        {
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
            }

            var acks = new List<Task>();
            for (var i = sent; i < sent + batchSize; i++)
            {
                acks.Add(js.PublishAsync("in", records.Make(i).ToByteArray(), cancellationToken: cancellationToken).AsTask()
                    .ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default));
            }

            await Task.WhenAll(acks);
        }
    }

    /// <summary>The transform process: IN -> OUT, acking each input only once its output is stored.</summary>
    public static async Task TransformAsync(string url, int batchSize)
    {
        await using var client = new NatsClient(url);
        var js = client.CreateJetStreamContext();
        var consumer = await js.CreateOrUpdateConsumerAsync("IN", new ConsumerConfig("transform") { AckPolicy = ConsumerConfigAckPolicy.Explicit });
        var inFlight = new List<(INatsJSMsg<byte[]> Message, Task Stored)>();
        await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = batchSize * 10 }))
        {
            inFlight.Add((message, js.PublishAsync("out", message.Data).AsTask().ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default)));
            if (inFlight.Count < batchSize && message.Metadata?.NumPending > 0) continue;
            foreach (var (input, stored) in inFlight)
            {
                await stored;
                await input.AckAsync();
            }

            inFlight.Clear();
        }
    }
}
