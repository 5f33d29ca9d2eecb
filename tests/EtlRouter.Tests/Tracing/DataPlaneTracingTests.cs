using EtlRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Tracing;

/// <summary>
/// Traces from real sidecars, exported over OTLP (switched on by the standard OTEL_* variables) to a receiver in
/// the test: each batch is one trace from the source's read through every hop and service call.
/// </summary>
public sealed class DataPlaneTracingTests
{
    [Fact]
    public async Task Each_batch_is_one_trace_spanning_every_sidecar_and_service_call_with_the_right_parents()
    {
        var receiver = new OtlpReceiver();
        await using var collector = await FakeGrpcServer.StartAsync(s => s.AddSingleton(receiver), app => app.MapGrpcService<OtlpReceiver>());
        var otel = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{collector.Port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "500");
        var pass = await rig.ConnectorAsync("pass", "pass");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", [generator], otel);
        await rig.SidecarAsync("pod-transform", [pass], otel);
        await rig.SidecarAsync("pod-sink", [files], otel);
        await rig.ApplyAsync(Build("traced", batchSize: 100, stages: [Source("source", "gen"), Transform("pass", "pass", "source"), Sink("sink", "files", "pass")]));
        await NdjsonFile.WaitForIdsAsync(output, 500, rig.Diagnostics);

        // Every batch the source read: a root span, then the transform's and the sink's stage and call spans.
        List<IGrouping<string, ReceivedSpan>> traces = [];
        await Eventually.WaitUntil(async () =>
        {
            await Task.Yield();
            traces = receiver.Spans.GroupBy(s => s.TraceId).Where(t => t.Any(s => s.Name == "etl.source.read")).ToList();
            return traces.Sum(t => int.Parse(t.Single(s => s.Name == "etl.source.read").Tags["etl.records"])) == 500
                && traces.All(t => t.Count() == 5);
        }, "five spans for every batch of the 500 records", TimeSpan.FromSeconds(30), () =>
            $"{receiver.Spans.Count} spans received: " + string.Join("; ", receiver.Spans.GroupBy(s => s.TraceId).Take(20)
                .Select(t => string.Join(", ", t.Select(s => $"{s.Name}/{s.Tags.GetValueOrDefault("etl.stage")}/{s.Tags.GetValueOrDefault("etl.records")}")))) + "\n" + rig.Diagnostics());

        foreach (var trace in traces)
        {
            var spans = trace.ToList();
            var root = spans.Single(s => s.Name == "etl.source.read");
            Assert.Null(root.ParentId);
            Assert.Equal("pod-source", root.Tags["etl.sidecar"]);
            Assert.Equal("default/traced", root.Tags["etl.pipeline"]);

            // Each hop's stage span hangs under the span that sent it the batch; its service call under it.
            var parent = root;
            foreach (var (stage, sidecar, service) in new[] { ("pass", "pod-transform", "etl.v1.TransformService"), ("sink", "pod-sink", "etl.v1.SinkService") })
            {
                var hop = spans.Single(s => s.Name == "etl.stage.process" && s.Tags["etl.stage"] == stage);
                Assert.Equal(parent.SpanId, hop.ParentId);
                Assert.Equal(sidecar, hop.Tags["etl.sidecar"]);
                var call = spans.Single(s => s.Name == "etl.service.call" && s.Tags["etl.stage"] == stage);
                Assert.Equal(hop.SpanId, call.ParentId);
                Assert.Equal(service, call.Tags["rpc.service"]);
                Assert.Equal("1", call.Tags["etl.attempt"]);
                Assert.True(call.Start >= hop.Start && call.End <= hop.End + 1_000_000, $"the {stage} call lies within its stage span");
                parent = hop;
            }

            Assert.All(spans, s => Assert.Equal("etl-sidecar", s.Service));
        }
    }
}
