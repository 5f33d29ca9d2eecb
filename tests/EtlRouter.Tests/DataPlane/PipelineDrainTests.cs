using System.Globalization;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>
/// Deleting a pipeline while records flow: the operator's finalizer drains it through the real router and
/// sidecars before letting go, so every record the source handed over is delivered (and acknowledged), and
/// none is left taken and unacknowledged.
/// </summary>
public sealed class PipelineDrainTests
{
    [Fact]
    public async Task Deleting_a_pipeline_while_records_flow_drains_it_before_the_finalizer_lets_go()
    {
        // A slow transform keeps thousands of records between the source and the sink at any moment.
        var slow = new SlowTransform(TimeSpan.FromMilliseconds(40));
        await using var pipeline = await InProcessTransformPipeline.StartAsync(slow, "slow", records: 1_000_000);
        await using var h = await StartAsync(routerAddress: pipeline.Rig.RouterNode.GrpcAddress);
        await h.CreateAsync(Source("gen"));
        await h.CreateAsync(Transform("slow"));
        await h.CreateAsync(Sink("files"));
        await h.CreateAsync(Linear("drained", "gen", ["slow"], "files"));
        await pipeline.WaitForIdsAsync(2000);
        var reference = new PipelineRef { Namespace = "default", Name = "drained" };
        var before = await pipeline.Rig.RouterNode.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = reference }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Null(before.DrainingSince);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "drained");

        // While it drains the router says so, and the source sidecar asks for nothing more.
        var draining = await Eventually.WaitFor(async () =>
        {
            var state = await pipeline.Rig.RouterNode.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = reference }, deadline: DateTime.UtcNow.AddSeconds(10));
            return state.DrainingSince is not null ? state : null;
        }, "the router marks the pipeline draining", diagnostics: pipeline.Rig.Diagnostics);
        Assert.NotNull(draining.DrainingSince);

        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "drained") is null,
            "the finalizer lets go once drained", TimeSpan.FromSeconds(45), pipeline.Rig.Diagnostics);
        var events = await h.EventsFor("drained");
        Assert.Contains(events, e => e.Reason == "Draining");
        Assert.Contains(events, e => e.Reason == "Drained");
        Assert.DoesNotContain(events, e => e.Reason == "DrainTimedOut");
        var gone = await Assert.ThrowsAsync<RpcException>(async () =>
            await pipeline.Rig.RouterNode.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = reference }, deadline: DateTime.UtcNow.AddSeconds(10)));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // Every record the source sidecar read reached the sink and was acknowledged to the source: nothing was
        // taken and left in flight. What the source sent after the sidecar stopped asking was never read; it
        // stays unacknowledged at the source, which sends it again if the pipeline returns.
        var read = SourceRecordsRead(await pipeline.Rig.Sidecars.Single(s => s.Id == "pod-source").MetricsAsync());
        var delivered = NdjsonFile.Ids(pipeline.Output);
        var acknowledged = await pipeline.Generator.StatAsync("acknowledged");
        var sent = await pipeline.Generator.StatAsync("sent");
        Assert.True(read >= 2000, $"the source sidecar read {read} records");
        Assert.Equal(read, acknowledged);
        Assert.Equal(read, delivered.Distinct().Count());
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.Equal(sent - acknowledged, await pipeline.Generator.StatAsync("outstanding"));
        Assert.True(slow.Batches > 0);
    }

    [Fact]
    public async Task A_source_the_sidecar_cannot_reach_has_nothing_in_flight_and_drains_at_once()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var files = await rig.ConnectorAsync("file", "files", "--path", Path.Combine(rig.Directory, "out.ndjson"));
        await rig.SidecarAsync("pod-any", files);
        // An explicit endpoint no name server knows: every live sidecar may run it, and each session fails opening.
        var unreachable = Source("source", "kafka-users");
        unreachable.Endpoint = "kafka-source-svc.invalid:50051";
        var definition = Build("unreachable", stages: [unreachable, Sink("sink", "files", "source")]);
        await rig.ApplyAsync(definition);
        await rig.WaitAssignedAsync(definition.Ref);

        var drained = await Eventually.WaitFor(async () =>
        {
            var drain = await rig.RouterNode.ControlPlane.DrainPipelineAsync(new DrainPipelineRequest { Ref = definition.Ref }, deadline: DateTime.UtcNow.AddSeconds(10));
            return drain.Drained ? drain : null;
        }, "the drain done", TimeSpan.FromSeconds(20), rig.Diagnostics);
        Assert.Equal(0ul, drained.InFlight);
        Assert.Empty(drained.WaitingFor);
    }

    /// <summary>etl_sidecar_records_in of the source stage: the records the sidecar took from its source.</summary>
    private static long SourceRecordsRead(string metrics) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith("etl_sidecar_records_in", StringComparison.Ordinal) && l.Contains("stage=\"gen\"", StringComparison.Ordinal))
            .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>Passes records on after a delay per batch.</summary>
    private sealed class SlowTransform(TimeSpan delay) : TransformService.TransformServiceBase
    {
        private long batches;

        public long Batches => Interlocked.Read(ref batches);

        public override async Task<TransformResponse> Transform(TransformRequest request, ServerCallContext context)
        {
            await Task.Delay(delay, context.CancellationToken);
            Interlocked.Increment(ref batches);
            var response = new TransformResponse { BatchId = request.BatchId };
            response.Records.AddRange(request.Records);
            return response;
        }
    }
}
