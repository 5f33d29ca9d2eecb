using System.Diagnostics;
using System.Globalization;
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
    public static async Task<Measurement> RunAsync(string self, int size, int count, int batchSize, double rate, StreamConfigStorage storage)
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
        var latencies = new List<double>(count);
        var received = 0;
        var done = new TaskCompletionSource();
        var sink = Task.Run(async () =>
        {
            await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = batchSize * 10 }))
            {
                var record = Record.Parser.ParseFrom(message.Data);
                latencies.Add((DateTime.UtcNow - record.EventTime.ToDateTime()).TotalMilliseconds);
                await message.AckAsync();
                if (++received >= count)
                {
                    done.TrySetResult();
                    return;
                }
            }
        });

        var records = new GeneratedRecords("nats", size, seed: 1, keyed: false);
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < count; sent += batchSize)
        {
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due);
            }

            var acks = new List<Task>();
            for (var i = sent; i < Math.Min(count, sent + batchSize); i++)
            {
                var record = records.Make(i);
                acks.Add(js.PublishAsync("in", record.ToByteArray()).AsTask().ContinueWith(t => t.Result.EnsureSuccess(), TaskScheduler.Default));
            }

            await Task.WhenAll(acks);
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        var measurement = new Measurement($"NATS JetStream ({storage.ToString().ToLowerInvariant()})", size, count / seconds,
            RawRelayService.Percentile(latencies, 50), RawRelayService.Percentile(latencies, 99), processes.PeakRss);
        try
        {
            Directory.Delete(store, recursive: true);
        }
        catch (IOException)
        {
        }

        return measurement;
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
