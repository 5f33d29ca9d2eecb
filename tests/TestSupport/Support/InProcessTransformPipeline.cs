using EtlRouter.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EtlRouter.Tests.Support;

/// <summary>
/// Real processes around a transform this test serves itself (one that misbehaves on purpose): a generator
/// ("gen") and a file sink ("files"), each in its pod with a sidecar, and the transform in a pod of its own,
/// behind a sidecar that discovers only it. The test applies the pipeline.
/// </summary>
public sealed class InProcessTransformPipeline(DataPlaneRig rig, FakeGrpcServer transform, SidecarProcess transformPod, ConnectorProcess generator, string output)
    : IAsyncDisposable
{
    public DataPlaneRig Rig => rig;

    public SidecarProcess TransformPod => transformPod;

    public ConnectorProcess Generator => generator;

    /// <summary>The file sink's NDJSON output.</summary>
    public string Output => output;

    /// <summary>Starts everything; the transform is served as <typeparamref name="TService"/> under <paramref name="service"/>'s name.</summary>
    public static async Task<InProcessTransformPipeline> StartAsync<TService>(TService transform, string service, int records)
        where TService : class
    {
        var rig = await DataPlaneRig.StartAsync();
        FakeGrpcServer? server = null;
        SidecarProcess? pod = null;
        try
        {
            var output = Path.Combine(rig.Directory, "out.ndjson");
            server = await FakeGrpcServer.StartAsync(
                s => s.AddSingleton(transform).AddSingleton(new FakeServiceInfo(service, StageKind.Transform)),
                app =>
                {
                    app.MapGrpcService<TService>();
                    app.MapGrpcService<FakeServiceInfo>();
                });
            var generator = await rig.ConnectorAsync("generator", "gen", "--count", $"{records}", "--size", "100");
            var files = await rig.ConnectorAsync("file", "files", "--path", output);
            await rig.SidecarAsync("pod-source", generator);
            await rig.SidecarAsync("pod-sink", files);
            pod = new SidecarProcess("pod-transform", rig.RouterNode.GrpcAddress, [server.Port]);
            await pod.StartAsync();
            return new InProcessTransformPipeline(rig, server, pod, generator, output);
        }
        catch
        {
            pod?.Dispose();
            if (server is not null) await server.DisposeAsync();
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>The ids in the sink's file, in file order, once <paramref name="distinct"/> different ones are there.</summary>
    public Task<List<string>> WaitForIdsAsync(int distinct) =>
        NdjsonFile.WaitForIdsAsync(Output, distinct, () => $"{Rig.Diagnostics()}\n\n--- sidecar pod-transform\n{TransformPod.Process.RecentOutput}");

    public async ValueTask DisposeAsync()
    {
        transformPod.Dispose();
        await transform.DisposeAsync();
        await rig.DisposeAsync();
    }
}
