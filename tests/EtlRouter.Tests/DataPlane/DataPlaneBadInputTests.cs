using System.Net.Sockets;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Identity;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.DataPlane;

/// <summary>Garbage, nonsense and silence at the data plane: refused or timed out cleanly, nothing else disturbed.</summary>
public sealed class DataPlaneBadInputTests
{
    [Fact]
    public async Task Garbage_on_every_sidecar_port_and_protocol_violations_are_refused_while_records_keep_flowing()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        var generator = await rig.ConnectorAsync("generator", "gen", "--count", "3000", "--rate", "1500");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-source", generator);
        var transformPod = await rig.SidecarAsync("pod-transform", mask);
        await rig.SidecarAsync("pod-sink", files);
        await rig.ApplyAsync(Build("garbage", stages: [Source("source", "gen"), Transform("mask", "mask", "source"), Sink("sink", "files", "mask")]));
        await Eventually.WaitUntil(() => NdjsonFile.Ids(output).Count > 0, "the first records written");

        // Raw bytes and an HTTP/1 request on the data-plane and metrics ports.
        var random = new Random(42);
        foreach (var port in new[] { transformPod.GrpcPort, transformPod.MetricsPort })
        {
            for (var i = 0; i < 5; i++)
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                var junk = new byte[4096];
                random.NextBytes(junk);
                if (i == 0) junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
                if (i == 1) junk = [0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 1, 2, 3];
                await client.GetStream().WriteAsync(junk);
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }

        // Protocol violations on a real HTTP/2 stream.
        // A sidecar of the namespace that is not assigned the upstream stage may not feed the stage; one of another
        // namespace does not get past the TLS handshake.
        using (var forger = TestCertificates.Channel(transformPod.Address, PeerIdentity.Sidecar("default", "pod-garbage")))
        {
            var forged = await ExchangeErrorAsync(new SidecarDataPlane.SidecarDataPlaneClient(forger), Open("garbage", "mask", from: "source"));
            Assert.Equal(StatusCode.PermissionDenied, forged.StatusCode);
            Assert.Contains("is not assigned stage source", forged.Status.Detail, StringComparison.Ordinal);
        }

        using (var stranger = TestCertificates.Channel(transformPod.Address, PeerIdentity.Sidecar("other", "pod-source")))
        {
            // Refused in the handshake: the client sees the connection end, as an RpcException or, on the request
            // stream's first write, as the HTTP/2 handshake that never completed.
            using var call = new SidecarDataPlane.SidecarDataPlaneClient(stranger).Exchange(deadline: DateTime.UtcNow.AddSeconds(10));
            var refused = await Xunit.Record.ExceptionAsync(async () =>
            {
                await call.RequestStream.WriteAsync(Open("garbage", "mask", from: "source"));
                while (await call.ResponseStream.MoveNext()) { }
            });
            Assert.True(refused is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal } or HttpRequestException or IOException, refused?.ToString() ?? "the stranger was let in");
        }

        // As the sidecar that is assigned the upstream stage: the protocol is checked next.
        using var channel = TestCertificates.Channel(transformPod.Address, PeerIdentity.Sidecar("default", "pod-source"));
        var dataPlane = new SidecarDataPlane.SidecarDataPlaneClient(channel);
        var notOpen = await ExchangeErrorAsync(dataPlane, new EdgeFrame { Batch = new Batch { Seq = 1 } });
        Assert.Equal(StatusCode.InvalidArgument, notOpen.StatusCode);
        Assert.Contains("open", notOpen.Status.Detail, StringComparison.Ordinal);

        var unknownStage = await ExchangeErrorAsync(dataPlane, Open("garbage", "no-such-stage"));
        Assert.Equal(StatusCode.FailedPrecondition, unknownStage.StatusCode);
        Assert.Contains("no-such-stage", unknownStage.Status.Detail, StringComparison.Ordinal);

        // A well-framed batch carrying bytes that are not an etl.v1.Record: the sidecar passes records on
        // without decoding them, but reads each one's head at the door, so it refuses the batch there.
        using (var junk = channel.CreateCallInvoker().AsyncDuplexStreamingCall(EncodedMethods.Exchange, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20))))
        {
            await junk.RequestStream.WriteAsync(new EncodedEdgeFrame { Open = Open("garbage", "mask", from: "source").Open });
            var truncated = ByteString.CopyFrom(0x0a, 0x7f, 0x41);
            await junk.RequestStream.WriteAsync(new EncodedEdgeFrame { Batch = new EncodedBatch { Seq = 7, Records = { Batch(7, 1).Records[0].ToByteString(), truncated } } });
            var refused = await Assert.ThrowsAsync<RpcException>(async () => { while (await junk.ResponseStream.MoveNext()) { } });
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("batch 7: record 1 is not an etl.v1.Record", refused.Status.Detail, StringComparison.Ordinal);
        }

        // A sender that overdraws its credit is cut off. The sink's connector is paused (SIGSTOP) so the sink
        // stage cannot pass records on and return credit: the second batch then exceeds what is left.
        var sinkPod = rig.Sidecars.Single(s => s.Id == "pod-sink");
        using var sinkChannel = TestCertificates.Channel(sinkPod.Address, PeerIdentity.Sidecar("default", "pod-transform"));
        files.Process.Signal("STOP");
        try
        {
            using var overdraw = new SidecarDataPlane.SidecarDataPlaneClient(sinkChannel).Exchange(deadline: DateTime.UtcNow.AddSeconds(20));
            await overdraw.RequestStream.WriteAsync(Open("garbage", "sink", from: "mask"));
            Assert.True(await overdraw.ResponseStream.MoveNext());
            Assert.Equal(500u, overdraw.ResponseStream.Current.Credit.Records);
            await overdraw.RequestStream.WriteAsync(new EdgeFrame { Batch = Batch(1, 10) });
            await overdraw.RequestStream.WriteAsync(new EdgeFrame { Batch = Batch(2, 495) });
            var refused = await Assert.ThrowsAsync<RpcException>(async () => { while (await overdraw.ResponseStream.MoveNext()) { } });
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("credit", refused.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            files.Process.Signal("CONT");
        }

        var ids = await NdjsonFile.WaitForIdsAsync(output, 3000, rig.Diagnostics);
        Assert.True(transformPod.Process.IsRunning);
        Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"gen-{i}").ToHashSet(), ids.Where(id => id.StartsWith("gen-", StringComparison.Ordinal)).ToHashSet());
    }

    [Fact]
    public async Task A_transform_answering_bytes_that_are_not_records_has_its_batch_dead_lettered_at_its_stage_and_the_rest_flows()
    {
        await using var junk = await InProcessTransformPipeline.StartAsync(new JunkTransform("gen-13"), "junk", records: 1000);
        var pipeline = Build("junk", maxRetries: 1, batchSize: 10, stages: [Source("source", "gen"), Transform("junk", "junk", "source"), Sink("sink", "files", "junk")]);

        await junk.Rig.ApplyAsync(pipeline);

        await Eventually.WaitUntil(async () => await junk.Generator.StatAsync("acknowledged") == 1000, "the source acknowledged every record, the dead-lettered ones included");
        var dead = await junk.Rig.DeadLettersAsync(new DeadLetterFilter { Pipeline = pipeline.Ref });
        var deadIds = dead.Select(d => d.Record.Id).ToHashSet();
        Assert.Contains("gen-13", deadIds);
        Assert.InRange(deadIds.Count, 1, 10);
        Assert.All(dead, d =>
        {
            Assert.Equal("junk", d.Stage);
            Assert.Contains("not an etl.v1.Record", d.Error, StringComparison.Ordinal);
        });
        var delivered = await junk.WaitForIdsAsync(1000 - deadIds.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"gen-{i}").ToHashSet(), delivered.ToHashSet().Union(deadIds).ToHashSet());
        Assert.Empty(delivered.ToHashSet().Intersect(deadIds));
        Assert.True(junk.TransformPod.Process.IsRunning);
    }

    [Fact]
    public async Task A_port_answering_nonsense_or_another_protocol_is_skipped_by_discovery()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        await using var nonsense = await FakeGrpcServer.StartAsync(s => s.AddSingleton(new NonsenseServiceInfo()), app => app.MapGrpcService<NonsenseServiceInfo>());
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var sidecar = new SidecarProcess("pod-mixed", rig.RouterNode.GrpcAddress, [nonsense.Port, mask.Port, mask.HttpPort, silentPort]);
        using (sidecar)
        {
            sidecar.Process.Start();
            await sidecar.WaitReadyAsync();
            var endpoints = await Eventually.WaitFor(async () =>
            {
                var found = await rig.RouterNode.ControlPlane.ListServiceEndpointsAsync(new ListServiceEndpointsRequest());
                return found.Endpoints.Count > 0 ? found.Endpoints : null;
            }, "the sidecar's services registered");
            var only = Assert.Single(endpoints);
            Assert.Equal("mask", only.Service);
            Assert.Equal(StageKind.Transform, only.Kind);
            Assert.True(sidecar.Process.IsRunning);
            // The log line is read from the child's stdout asynchronously: wait for it rather than race it.
            await Eventually.WaitUntil(() => sidecar.Process.HasPrinted("answered ServiceInfo with name ''"), "the sidecar to log why it skipped the nonsense port");
        }
    }

    [Fact]
    public async Task A_peer_that_never_grants_credit_stalls_only_its_own_pipeline_and_the_source_stops_pulling()
    {
        await using var rig = await DataPlaneRig.StartAsync();
        var output = Path.Combine(rig.Directory, "out.ndjson");
        await using var blackHole = await FakeGrpcServer.StartAsync(s => s.AddSingleton(new SilentDataPlane()), app => app.MapGrpcService<SilentDataPlane>(), PeerIdentity.Sidecar("default", "black-hole"));
        var stuckSource = await rig.ConnectorAsync("generator", "stuck", "--rate", "5000");
        var goodSource = await rig.ConnectorAsync("generator", "good", "--count", "2000");
        var files = await rig.ConnectorAsync("file", "files", "--path", output);
        await rig.SidecarAsync("pod-sources", stuckSource, goodSource);
        await rig.SidecarAsync("pod-sink", files);
        // The black hole registers as a sidecar serving sink "void" but never grants credit on its edges.
        await rig.RouterNode.Registry.RegisterAsync(new RegisterSidecarRequest
        {
            SidecarId = "black-hole",
            Pod = "default/black-hole",
            Address = blackHole.Endpoint,
            Services = { new DiscoveredService { Kind = StageKind.Sink, Name = "void", Endpoint = blackHole.Endpoint } },
        });
        using var keepAlive = new CancellationTokenSource();
        var heartbeats = Task.Run(async () =>
        {
            while (!keepAlive.IsCancellationRequested)
            {
                await rig.RouterNode.Registry.HeartbeatAsync(new HeartbeatRequest { SidecarId = "black-hole" }, deadline: DateTime.UtcNow.AddSeconds(5));
                await Task.Delay(500);
            }
        });

        await rig.ApplyAsync(Build("stuck", maxInFlight: 200, batchSize: 50, stages: [Source("source", "stuck"), Sink("sink", "void", "source")]));
        await rig.ApplyAsync(Build("good", stages: [Source("source", "good"), Sink("sink", "files", "source")]));

        var ids = await NdjsonFile.WaitForIdsAsync(output, 2000, rig.Diagnostics);
        Assert.Equal(2000, ids.Distinct().Count());

        // The stuck pipeline's source was asked for at most what its edge may retain, then nothing more.
        var sent = await stuckSource.StatAsync("sent");
        Assert.InRange(sent, 1, 2 * 200);
        await Eventually.WaitUntil(async () => await stuckSource.StatAsync("sent") == sent && rig.Diagnostics().Contains("granted no credit", StringComparison.Ordinal),
            "the stuck edge reported as timed out");
        Assert.Equal(0, await stuckSource.StatAsync("acknowledged"));
        await keepAlive.CancelAsync();
        await heartbeats.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static Batch Batch(ulong seq, int records)
    {
        var batch = new Batch { Seq = seq };
        for (var i = 0; i < records; i++) batch.Records.Add(new EtlRouter.Contracts.V1.Record { Id = $"probe-{seq}-{i}" });
        return batch;
    }

    private static EdgeFrame Open(string pipeline, string toStage, string from = "test") => new()
    {
        Open = new EdgeOpen { Pipeline = new PipelineRef { Namespace = "default", Name = pipeline }, FromStage = from, ToStage = toStage, SenderId = "test" },
    };

    private static async Task<RpcException> ExchangeErrorAsync(SidecarDataPlane.SidecarDataPlaneClient client, EdgeFrame first)
    {
        using var call = client.Exchange(deadline: DateTime.UtcNow.AddSeconds(10));
        // A refusal in the TLS handshake may surface at the first write or at the first read (TLS 1.3 checks the
        // client's certificate after the client's side of the handshake is done): either way, one RpcException.
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(first);
            while (await call.ResponseStream.MoveNext()) { }
        });
    }

    /// <summary>Answers discovery with no name and no kind.</summary>
    private sealed class NonsenseServiceInfo : ServiceInfo.ServiceInfoBase
    {
        public override Task<DescribeServiceResponse> Describe(DescribeServiceRequest request, ServerCallContext context) =>
            Task.FromResult(new DescribeServiceResponse { Name = "", Version = "???" });
    }

    /// <summary>Accepts edges and reads them, but never grants credit or acks.</summary>
    private sealed class SilentDataPlane : SidecarDataPlane.SidecarDataPlaneBase
    {
        public override async Task Exchange(IAsyncStreamReader<EdgeFrame> requestStream, IServerStreamWriter<EdgeSignal> responseStream, ServerCallContext context)
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
            }
        }
    }

    /// <summary>
    /// A transform (unary only) that passes records on, but adds bytes that are not a record to the answer for
    /// any batch holding <paramref name="poisonId"/>. Served with records left encoded, as the sidecar reads them.
    /// </summary>
    /// <remarks>Not sealed: ASP.NET Core's gRPC binding serves only virtual methods declared on the bound type.</remarks>
    [BindServiceMethod(typeof(JunkTransform), nameof(BindService))]
    private class JunkTransform(string poisonId)
    {
        public virtual Task<EncodedTransformResponse> Transform(EncodedTransformRequest request, ServerCallContext context)
        {
            var response = new EncodedTransformResponse { BatchId = request.BatchId, Records = { request.Records } };
            if (request.Records.Any(r => RecordHeads.IdOf(r) == poisonId)) response.Records.Add(ByteString.CopyFrom(0x0a, 0x7f, 0x41));
            return Task.FromResult(response);
        }

        public static void BindService(ServiceBinderBase binder, JunkTransform? service) =>
            binder.AddMethod(EncodedMethods.Transform, service is null ? null : service.Transform);
    }
}
