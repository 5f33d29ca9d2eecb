using System.Net.Sockets;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Garbage, oversized and invalid messages on every port: refused, and the cluster keeps serving.</summary>
public sealed class RouterBadInputTests
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    [Fact]
    public async Task Garbage_oversized_and_invalid_requests_are_refused_and_nothing_reaches_the_log()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        var target = cluster.Nodes[0];
        await target.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("before") });

        var random = new Random(42);
        foreach (var node in cluster.Nodes)
        {
            foreach (var port in new[] { node.RaftPort, node.GrpcPort, node.HttpPort })
            {
                await SendGarbage(port, random, 64 * 1024);
                await SendGarbage(port, random, 16, prefix: [0xFF, 0xFF, 0xFF, 0x7F]);
            }
        }

        // Not protobuf at all, on a real gRPC method.
        var call = new Method<byte[], byte[]>(MethodType.Unary, "etl.v1.ControlPlane", "ApplyPipeline", Raw, Raw);
        var garbage = await Assert.ThrowsAsync<RpcException>(async () =>
            await target.Channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5)), [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]));
        Assert.NotEqual(StatusCode.OK, garbage.StatusCode);

        // Bigger than the 4 MiB limit.
        var huge = RouterTestData.Linear("huge");
        huge.Stages[0].Options["blob"] = new string('x', 5 * 1024 * 1024);
        var tooBig = await Assert.ThrowsAsync<RpcException>(async () => await target.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = huge }));
        Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);

        // Valid protobuf, invalid pipeline: the message names the field.
        var cyclic = RouterTestData.Linear("cyclic");
        cyclic.Stages[1].Inputs.Add("transform");
        var cycle = await Assert.ThrowsAsync<RpcException>(async () => await target.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = cyclic }));
        Assert.Equal(StatusCode.InvalidArgument, cycle.StatusCode);
        Assert.Contains("pipeline.stages[1].inputs: cycle transform -> transform", cycle.Status.Detail, StringComparison.Ordinal);

        var unnamed = RouterTestData.Linear("");
        var noName = await Assert.ThrowsAsync<RpcException>(async () => await target.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = unnamed }));
        Assert.StartsWith("pipeline.ref.name: empty", noName.Status.Detail, StringComparison.Ordinal);

        var badSidecar = await Assert.ThrowsAsync<RpcException>(async () => await target.Registry.RegisterAsync(new RegisterSidecarRequest { SidecarId = "s1", Address = "nowhere" }));
        Assert.StartsWith("address:", badSidecar.Status.Detail, StringComparison.Ordinal);

        var badRestore = target.ControlPlane.RestoreBackup();
        await badRestore.RequestStream.WriteAsync(new BackupChunk { Data = Google.Protobuf.ByteString.CopyFrom([1, 2, 3, 4, 5]) });
        await badRestore.RequestStream.CompleteAsync();
        var notBackup = await Assert.ThrowsAsync<RpcException>(async () => await badRestore);
        Assert.Equal(StatusCode.InvalidArgument, notBackup.StatusCode);

        // Every node still serves, the group is whole, and only the valid pipelines are stored.
        var after = await target.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("after") });
        var status = await cluster.WaitForLeaderAsync();
        Assert.All(status.Nodes, n => Assert.True(n.Healthy, $"node {n.Id} unhealthy after garbage"));
        foreach (var node in cluster.Nodes)
        {
            var names = (await RouterTestData.ListAt(node.ControlPlane, after.CommitIndex)).Pipelines.Select(p => p.Definition.Ref.Name).Order();
            Assert.Equal(["after", "before"], names);
        }
    }

    private static async Task SendGarbage(int port, Random random, int length, byte[]? prefix = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var bytes = new byte[length];
        random.NextBytes(bytes);
        prefix?.CopyTo(bytes, 0);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var buffer = new byte[256];
            while (await stream.ReadAsync(buffer, wait.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The server hung up or said nothing: both are fine, as long as it keeps serving others.
        }
    }
}
