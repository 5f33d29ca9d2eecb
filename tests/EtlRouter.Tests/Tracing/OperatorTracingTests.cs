using System.Collections.Concurrent;
using System.Diagnostics;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.OperatorRuntime.Tracing;
using EtlRouter.Tests.Support;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Tracing;

/// <summary>The operator's spans: a reconcile, with its calls to the router as children.</summary>
public sealed class OperatorTracingTests
{
    [Fact]
    public async Task A_reconcile_is_a_span_and_its_router_calls_are_its_children()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is OperatorTracing.SourceName or "Grpc.Net.Client" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await using var h = await StartAsync();
        h.Router.Serve(StageKind.Source, "traced-source", "sc-1", "src-pod");
        h.Router.Serve(StageKind.Sink, "traced-sink", "sc-2", "sink-pod");
        await h.CreateAsync(Source("traced-source"));
        await h.CreateAsync(Sink("traced-sink"));
        await h.CreateAsync(Linear("traced", "traced-source", [], "traced-sink"));
        await h.WaitForReadyReason("traced", ConditionReasons.Running);

        // The HTTP request of ApplyPipeline, under the gRPC call, under the pipeline's reconcile: one trace.
        var apply = await Eventually.WaitFor(() => Task.FromResult(stopped.FirstOrDefault(a =>
            a.Source.Name == "System.Net.Http"
            && (a.GetTagItem("url.full") as string)?.EndsWith("/etl.v1.ControlPlane/ApplyPipeline", StringComparison.Ordinal) == true
            && Ancestors(a, stopped).Any(r => r.GetTagItem("etl.object") as string == "traced"))), "the ApplyPipeline call under the pipeline's reconcile span");
        var chain = Ancestors(apply!, stopped).ToList();
        Assert.Equal("Grpc.Net.Client", chain[0].Source.Name);
        var reconcile = chain.First(r => r.Source.Name == OperatorTracing.SourceName);
        Assert.Equal("reconcile EtlPipeline", reconcile.OperationName);
        Assert.Equal("default", reconcile.GetTagItem("k8s.namespace.name"));
        Assert.Equal(apply!.TraceId, reconcile.TraceId);
    }

    private static IEnumerable<Activity> Ancestors(Activity span, IEnumerable<Activity> all)
    {
        var byId = all.GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
            yield return next;
    }
}
