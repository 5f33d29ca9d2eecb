using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Schema;
using EtlRouter.Operator;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.Testing.KubeApiServer;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Tests.Support;

/// <summary>
/// The test API server with our CRDs installed, an in-test ControlPlane router, and real operator hosts
/// (the same composition as etl-operator) pointed at both. Disposing stops everything it started.
/// </summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    private readonly List<IHost> _operators = [];

    private OperatorHarness(TestApiServer api, FakeControlPlane router)
    {
        Api = api;
        Router = router;
        Client = api.CreateClient();
        Entities = new EntityClient(Client);
    }

    public TestApiServer Api { get; }

    public FakeControlPlane Router { get; }

    public IKubernetes Client { get; }

    internal EntityClient Entities { get; }

    /// <summary>Where the operator sends pipelines: the in-test fake, unless a test names a real router.</summary>
    public string RouterAddress { get; private set; } = string.Empty;

    public static async Task<OperatorHarness> StartAsync(bool startOperator = true, string? routerAddress = null)
    {
        var api = await TestApiServer.StartAsync();
        var router = await FakeControlPlane.StartAsync();
        var harness = new OperatorHarness(api, router) { RouterAddress = routerAddress ?? router.Address };
        foreach (var type in EtlKinds.All)
            await harness.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(CrdBuilder.Build(type));
        if (startOperator)
            await harness.StartOperatorAsync("operator-a");
        return harness;
    }

    public static OperatorSettings FastSettings(string identity) => new()
    {
        Identity = identity,
        Namespace = "etl-system",
        LeaseDuration = TimeSpan.FromSeconds(2),
        RenewDeadline = TimeSpan.FromSeconds(1.5),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
        BackoffBase = TimeSpan.FromMilliseconds(50),
        BackoffMax = TimeSpan.FromSeconds(1),
        WatchBackoffBase = TimeSpan.FromMilliseconds(50),
        WatchBackoffMax = TimeSpan.FromMilliseconds(500),
    };

    public async Task<IHost> StartOperatorAsync(string identity, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging(l => l.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddSingleton(Api.CreateClient());
        builder.Services.AddEtlOperator(FastSettings(identity), new RouterSettings
        {
            Endpoint = RouterAddress,
            ClusterEndpointTemplate = RouterAddress,
            CallTimeout = TimeSpan.FromSeconds(2),
            StatusRefresh = TimeSpan.FromSeconds(1),
        }.WithTestTls());
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        _operators.Add(host);
        return host;
    }

    public async Task StopOperatorAsync(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
        _operators.Remove(host);
    }

    public Task<T> CreateAsync<T>(T entity, string ns = "default")
        where T : IKubernetesObject<V1ObjectMeta>
    {
        entity.Metadata.NamespaceProperty = ns;
        return Entities.CreateAsync(entity);
    }

    /// <summary>
    /// Reads, changes and replaces an object, again on 409 Conflict, as client-go's RetryOnConflict does: the
    /// operator writes status concurrently, so a user's spec change can meet a newer resourceVersion.
    /// </summary>
    public Task UpdateAsync<T>(string name, Action<T> change, string ns = "default")
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        RetryOnConflictAsync(name, change, entity => Entities.ReplaceAsync(entity), ns);

    /// <summary>Writes status the way another writer would, re-reading when the operator wrote in between (409).</summary>
    public Task UpdateStatusAsync<T>(string name, Action<T> change, string ns = "default")
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        RetryOnConflictAsync(name, change, entity => Entities.ReplaceStatusAsync(entity), ns);

    private async Task RetryOnConflictAsync<T>(string name, Action<T> change, Func<T, Task> write, string ns)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await Entities.GetAsync<T>(ns, name) ?? throw new InvalidOperationException($"{typeof(T).Name} {ns}/{name} does not exist");
            change(current);
            try
            {
                await write(current);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    public static EtlSource Source(string name) => new() { Metadata = new() { Name = name } };

    public static EtlTransform Transform(string name) => new() { Metadata = new() { Name = name } };

    public static EtlSink Sink(string name) => new() { Metadata = new() { Name = name } };

    public static EtlPipeline Linear(string name, string source, string[] steps, string sink) => new()
    {
        Metadata = new() { Name = name },
        Spec = new PipelineSpec { Source = source, Steps = steps.Length == 0 ? null : steps, Sink = sink, Dlq = new DeadLetterSpec { Enabled = true, MaxRetries = 3 } },
    };

    /// <summary>Waits until the pipeline's Ready condition has the given reason, and returns the pipeline.</summary>
    public Task<EtlPipeline> WaitForReadyReason(string name, string reason, string ns = "default", TimeSpan? deadline = null) =>
        Eventually.WaitFor(
            async () =>
            {
                var pipeline = await Entities.GetAsync<EtlPipeline>(ns, name);
                return pipeline?.Status.Find(ConditionTypes.Ready)?.Reason == reason ? pipeline : null;
            },
            $"pipeline {ns}/{name} Ready reason {reason}",
            deadline);

    public async Task<IReadOnlyList<Corev1Event>> EventsFor(string name, string ns = "default")
    {
        var list = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}");
        return list.Items.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _operators.ToList())
        {
            await host.StopAsync();
            host.Dispose();
        }

        await Router.DisposeAsync();
        await Api.DisposeAsync();
    }
}
