using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>Records flow end to end through real sidecars and connectors: every generated record, once.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task Three_stage_pipeline_delivers_exactly_the_generated_records_to_the_file_sink()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "5000", "--size", "100");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", files);

        await rig.ApplyAsync(Build("linear", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));

        var ids = await NdjsonFile.WaitForIdsAsync(output, 5000, rig.Diagnostics);
        Assert.Equal(5000, ids.Count);
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 5000, "the source acknowledged every record");
        Assert.Equal(0, await generator.StatAsync("outstanding"));
        Assert.DoesNotContain("user", File.ReadLines(output).First().Split("\"email\"")[1].Split(',')[0].Replace("***@", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // Services that have the streaming forms get every batch over one stream, not a call each.
        Assert.Equal(0, await mask.StatAsync("unaryBatches"));
        Assert.InRange(await mask.StatAsync("streamedBatches"), 50, 5000);
        Assert.Equal(0, await files.StatAsync("unaryBatches"));
        Assert.InRange(await files.StatAsync("streamedBatches"), 50, 5000);
    }

    [Fact]
    public async Task A_transform_without_the_streaming_form_is_called_once_per_batch()
    {
        var unaryOnly = new UnaryOnlyTransform();
        await using var pipeline = await InProcessTransformPipeline.StartAsync(unaryOnly, "stamp", records: 2000);

        await pipeline.Rig.ApplyAsync(Build("unary", stages: [Source("source", "gen"), Transform("stamp", "stamp", "source"), Sink("sink", "files", "stamp")]));

        var ids = await pipeline.WaitForIdsAsync(2000);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"gen-{i}").ToHashSet(), ids.ToHashSet());
        Assert.InRange(unaryOnly.Records, 2000, 4000);
        Assert.True(pipeline.TransformPod.Process.HasPrinted("TransformStream is not implemented"), pipeline.TransformPod.Process.RecentOutput);
    }

    [Fact]
    public async Task A_stage_has_several_batches_at_its_service_at_once_and_passes_them_on_in_order()
    {
        var holding = new HoldingTransform();
        await using var pipeline = await InProcessTransformPipeline.StartAsync(holding, "hold", records: 2000);

        await pipeline.Rig.ApplyAsync(Build("pipelined", batchSize: 10, stages: [Source("source", "gen"), Transform("hold", "hold", "source"), Sink("sink", "files", "hold")]));

        // The transform holds its first answer until a second batch has come: only a sidecar that does not wait
        // for each answer before sending the next batch gets past it without the 10 s fallback.
        var ids = await pipeline.WaitForIdsAsync(2000);
        Assert.True(holding.SecondCameBeforeFirstAnswer, "the sidecar waited for the first answer before sending the second batch");
        Assert.InRange(holding.MostUnanswered, 2, EtlRouter.Sidecar.Stages.StageRunner.CallsInFlight);
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"gen-{i}"), ids);
    }

    [Fact]
    public async Task Records_a_source_sends_without_id_or_origin_source_get_them_from_the_sidecar()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var bare = new BareSource(300);
        await using var source = await FakeGrpcServer.StartAsync(
            s => s.AddSingleton(bare).AddSingleton(new FakeServiceInfo("bare", StageKind.Source)),
            app =>
            {
                app.MapGrpcService<BareSource>();
                app.MapGrpcService<FakeServiceInfo>();
            });
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        using var sourcePod = new SidecarProcess("pod-source", rig.RouterNode.GrpcAddress, [source.Port]);
        await sourcePod.StartAsync();
        await rig.SidecarAsync("pod-sink", files);

        await rig.ApplyAsync(Build("bare", stages: [Source("source", "bare"), Sink("sink", "files", "source")]));

        // The sidecar names each record by its source and offset, so a redelivered record keeps its id.
        var ids = await NdjsonFile.WaitForIdsAsync(output, 300, () => $"{rig.Diagnostics()}\n\n--- sidecar pod-source\n{sourcePod.Process.RecentOutput}");
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"bare:{i}").ToHashSet(), ids.ToHashSet());
        await Eventually.WaitUntil(() => bare.Acknowledged.Count == 300, "the source's offsets acknowledged");
    }

    /// <summary>A source whose records carry only a value and an offset: no id, no origin source.</summary>
    private sealed class BareSource(int count) : SourceService.SourceServiceBase
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, bool> Acknowledged { get; } = new();

        public override async Task Read(IAsyncStreamReader<ReadRequest> requestStream, IServerStreamWriter<ReadResponse> responseStream, ServerCallContext context)
        {
            var demand = Channel.CreateUnbounded<uint>();
            var reader = Task.Run(async () =>
            {
                await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
                {
                    foreach (var offset in request.AcknowledgedOffsets) Acknowledged[offset] = true;
                    if (request.Demand > 0) demand.Writer.TryWrite(request.Demand);
                }
            });
            var next = 0;
            while (next < count)
            {
                var allowed = await demand.Reader.ReadAsync(context.CancellationToken);
                var response = new ReadResponse();
                for (; allowed > 0 && next < count; allowed--, next++)
                {
                    response.Records.Add(new EtlRouter.Contracts.V1.Record { Value = Google.Protobuf.ByteString.CopyFromUtf8($"{{\"n\":{next}}}"), Origin = new RecordOrigin { Offset = $"{next}" } });
                }

                await responseStream.WriteAsync(response);
            }

            await reader;
        }
    }

    /// <summary>
    /// A streaming transform that passes records on, holding its first answer until a second batch has arrived
    /// (or 10 s have passed), and counting the most batches it held unanswered at once.
    /// </summary>
    private sealed class HoldingTransform : TransformService.TransformServiceBase
    {
        private readonly TaskCompletionSource secondBatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int unanswered;
        private int mostUnanswered;

        public int MostUnanswered => Volatile.Read(ref mostUnanswered);

        public bool SecondCameBeforeFirstAnswer { get; private set; }

        public override async Task TransformStream(IAsyncStreamReader<TransformRequest> requestStream, IServerStreamWriter<TransformResponse> responseStream, ServerCallContext context)
        {
            var received = Channel.CreateUnbounded<TransformRequest>();
            var reader = Task.Run(async () =>
            {
                var count = 0;
                await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
                {
                    var now = Interlocked.Increment(ref unanswered);
                    for (var most = MostUnanswered; now > most && Interlocked.CompareExchange(ref mostUnanswered, now, most) != most; most = MostUnanswered)
                    {
                    }

                    if (++count == 2) secondBatch.TrySetResult();
                    received.Writer.TryWrite(request);
                }

                received.Writer.TryComplete();
            });
            var first = true;
            await foreach (var request in received.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (first)
                {
                    first = false;
                    SecondCameBeforeFirstAnswer = await Task.WhenAny(secondBatch.Task, Task.Delay(TimeSpan.FromSeconds(10), context.CancellationToken)) == secondBatch.Task;
                }

                Interlocked.Decrement(ref unanswered);
                await responseStream.WriteAsync(new TransformResponse { BatchId = request.BatchId, Records = { request.Records } });
            }

            await reader;
        }
    }

    /// <summary>A transform that implements only the unary call (TransformStream answers UNIMPLEMENTED).</summary>
    private sealed class UnaryOnlyTransform : TransformService.TransformServiceBase
    {
        private long records;

        public long Records => Interlocked.Read(ref records);

        public override Task<TransformResponse> Transform(TransformRequest request, ServerCallContext context)
        {
            Interlocked.Add(ref records, request.Records.Count);
            var response = new TransformResponse { BatchId = request.BatchId };
            response.Records.AddRange(request.Records);
            return Task.FromResult(response);
        }
    }

    [Fact]
    public async Task Batches_on_the_wire_hold_at_most_the_pipelines_batch_size()
    {
        // The generator hands the sidecar up to 500 records per read; the edges must cut them to 7.
        await using var rig = await DataPlaneRig.StartAsync();
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "3000", "--size", "100");
        var sink = await rig.ConnectorAsync("discard", "sink");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-sink", sink);

        await rig.ApplyAsync(Build("small-batches", batchSize: 7, stages: [Source("source", "gen"), Sink("sink", "sink", "source")]));

        await Eventually.WaitUntil(async () => await sink.StatAsync("written") >= 3000, "every record written", TimeSpan.FromSeconds(60));
        Assert.InRange(await sink.StatAsync("largestBatch"), 1, 7);
        await Eventually.WaitUntil(async () => await generator.StatAsync("acknowledged") == 3000, "the source acknowledged every record");
    }
}
