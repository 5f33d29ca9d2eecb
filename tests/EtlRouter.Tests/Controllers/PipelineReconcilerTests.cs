using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Finalizers;
using EtlRouter.OperatorRuntime.Metrics;
using EtlRouter.Tests.Support;
using System.Diagnostics.Metrics;
using k8s;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Controllers;

/// <summary>The EtlPipeline reconciler, through the real operator runtime, against the test API server.</summary>
public sealed class PipelineReconcilerTests
{
    private static async Task CreateServicesAsync(OperatorHarness h, string ns = "default")
    {
        await h.CreateAsync(Source("kafka-users"), ns);
        await h.CreateAsync(Transform("filter-active"), ns);
        await h.CreateAsync(Transform("mask-pii"), ns);
        await h.CreateAsync(Sink("clickhouse-analytics"), ns);
    }

    private static void ServeAll(OperatorHarness h)
    {
        h.Router.Serve(StageKind.Source, "kafka-users", "sc-1", "users-pod");
        h.Router.Serve(StageKind.Transform, "filter-active", "sc-2", "filter-pod");
        h.Router.Serve(StageKind.Transform, "mask-pii", "sc-2", "filter-pod");
        h.Router.Serve(StageKind.Sink, "clickhouse-analytics", "sc-3", "ch-pod");
    }

    [Fact]
    public async Task Create_becomes_ready_with_stages_events_and_a_finalizer()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("user-analytics", "kafka-users", ["filter-active", "mask-pii"], "clickhouse-analytics"));

        var pipeline = await h.WaitForReadyReason("user-analytics", ConditionReasons.Running);

        Assert.Equal(1, pipeline.Status.ObservedGeneration);
        Assert.Equal("4/4", pipeline.Status.StagesReady);
        Assert.Equal(["users-pod", "filter-pod", "filter-pod", "ch-pod"], pipeline.Status.Stages.Select(s => s.Assignments.Single().Pod));
        Assert.Equal(97, pipeline.Status.RecordsOut);
        Assert.Contains(PipelineRouterFinalizer.Name, pipeline.Metadata.Finalizers);
        Assert.Equal(ConditionList.False, pipeline.Status.Find(ConditionTypes.Degraded)!.Status);
        Assert.True(h.Router.Pipelines.ContainsKey("default/user-analytics"));
        await Eventually.WaitUntil(async () => (await h.EventsFor("user-analytics")).Any(e => e.Reason == "Applied") && (await h.EventsFor("user-analytics")).Any(e => e.Reason == "Running"), "Applied and Running events");
    }

    [Fact]
    public async Task Stages_without_a_sidecar_are_pending_then_ready_when_one_registers()
    {
        await using var h = await StartAsync();
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("waiting", "kafka-users", ["mask-pii"], "clickhouse-analytics"));

        var pending = await h.WaitForReadyReason("waiting", ConditionReasons.StagesPending);
        Assert.Equal(ConditionList.True, pending.Status.Find(ConditionTypes.Progressing)!.Status);
        Assert.Equal("0/3", pending.Status.StagesReady);

        ServeAll(h);
        await h.WaitForReadyReason("waiting", ConditionReasons.Running);
    }

    [Fact]
    public async Task A_spec_change_moves_observed_generation_and_the_router_holds_the_new_generation()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("changing", "kafka-users", ["filter-active"], "clickhouse-analytics"));
        await h.WaitForReadyReason("changing", ConditionReasons.Running);

        await h.UpdateAsync<EtlPipeline>("changing", pipeline => pipeline.Spec.Steps = ["filter-active", "mask-pii"]);

        var updated = await Eventually.WaitFor(async () =>
        {
            var p = await h.Entities.GetAsync<EtlPipeline>("default", "changing");
            return p?.Status.ObservedGeneration == 2 ? p : null;
        }, "observedGeneration 2");
        Assert.Equal(2, updated.Metadata.Generation);
        Assert.Equal(2, h.Router.Pipelines["default/changing"].Generation);
        Assert.Equal(4, h.Router.Pipelines["default/changing"].Stages.Count);
        Assert.All(updated.Status.Conditions, c => Assert.Equal(2, c.ObservedGeneration));
    }

    [Fact]
    public async Task A_missing_reference_degrades_then_heals_when_the_reference_is_created()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await h.CreateAsync(Source("kafka-users"));
        await h.CreateAsync(Linear("early", "kafka-users", [], "clickhouse-analytics"));

        var degraded = await h.WaitForReadyReason("early", ConditionReasons.ReferenceNotFound);
        var condition = degraded.Status.Find(ConditionTypes.Degraded)!;
        Assert.Equal(ConditionList.True, condition.Status);
        Assert.Contains("spec.sink: EtlSink 'clickhouse-analytics' not found in namespace 'default'", condition.Message);
        Assert.False(h.Router.Pipelines.ContainsKey("default/early"));

        // No nudge: creating the sink alone wakes the pipeline (the referenced kinds are watched).
        await h.CreateAsync(Sink("clickhouse-analytics"));
        await h.WaitForReadyReason("early", ConditionReasons.Running, deadline: TimeSpan.FromSeconds(4));
        Assert.Contains(await h.EventsFor("early"), e => e.Reason == ConditionReasons.ReferenceNotFound && e.Type == "Warning");
    }

    [Fact]
    public async Task An_invalid_graph_is_reported_and_never_reaches_the_router()
    {
        await using var h = await StartAsync();
        var pipeline = new EtlPipeline
        {
            Metadata = new() { Name = "loop" },
            Spec = new PipelineSpec
            {
                Stages =
                [
                    new() { Name = "in", Source = "kafka-users" },
                    new() { Name = "a", Transform = "mask-pii", Inputs = ["in", "b"] },
                    new() { Name = "b", Transform = "mask-pii", Inputs = ["a"] },
                    new() { Name = "out", Sink = "clickhouse-analytics", Inputs = ["b"] },
                ],
            },
        };
        await h.CreateAsync(pipeline);

        var invalid = await h.WaitForReadyReason("loop", ConditionReasons.InvalidGraph);
        Assert.Contains("cycle", invalid.Status.Find(ConditionTypes.Ready)!.Message);
        Assert.Empty(h.Router.Pipelines);
    }

    [Fact]
    public async Task Router_down_is_reported_and_the_pipeline_recovers_when_it_returns()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.Router.StopAsync();
        await h.CreateAsync(Linear("outage", "kafka-users", ["filter-active"], "clickhouse-analytics"));

        var down = await h.WaitForReadyReason("outage", ConditionReasons.RouterUnavailable);
        Assert.Equal(ConditionList.True, down.Status.Find(ConditionTypes.Degraded)!.Status);

        await h.Router.StartAgainAsync();
        await h.WaitForReadyReason("outage", ConditionReasons.Running);
    }

    [Fact]
    public async Task Delete_runs_the_finalizer_which_removes_the_pipeline_from_the_router()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("doomed", "kafka-users", ["filter-active"], "clickhouse-analytics"));
        await h.WaitForReadyReason("doomed", ConditionReasons.Running);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "doomed");

        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "doomed") is null, "the pipeline to be gone");
        Assert.False(h.Router.Pipelines.ContainsKey("default/doomed"));
        Assert.Contains("delete default/doomed", h.Router.Calls);
    }

    [Fact]
    public async Task Delete_drains_the_pipeline_before_the_finalizer_removes_it()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        h.Router.DrainPollsBeforeDrained = 3;
        await h.CreateAsync(Linear("draining", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("draining", ConditionReasons.Running);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "draining");

        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "draining") is null, "the pipeline gone once drained");
        var calls = h.Router.Calls.Where(c => c.EndsWith("default/draining", StringComparison.Ordinal) && !c.StartsWith("apply", StringComparison.Ordinal)).ToList();
        Assert.Equal(["drain default/draining", "drain default/draining", "drain default/draining", "drain default/draining", "delete default/draining"], calls);
        var events = await h.EventsFor("draining");
        Assert.Contains(events, e => e.Reason == "Draining" && e.Count >= 1);
        Assert.Contains(events, e => e.Reason == "Drained");
        Assert.DoesNotContain(events, e => e.Reason == "DrainTimedOut");
    }

    [Fact]
    public async Task A_drain_that_outlasts_the_grace_period_is_cut_short_with_a_warning()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        h.Router.DrainPollsBeforeDrained = int.MaxValue;
        var pipeline = Linear("slow", "kafka-users", [], "clickhouse-analytics");
        pipeline.Spec.Lifecycle = new LifecycleSpec { DeletionGracePeriodSeconds = 2 };
        await h.CreateAsync(pipeline);
        await h.WaitForReadyReason("slow", ConditionReasons.Running);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "slow");

        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "slow") is null, "the pipeline gone after its grace period");
        var timedOut = (await h.EventsFor("slow")).Single(e => e.Reason == "DrainTimedOut");
        Assert.Equal("Warning", timedOut.Type);
        Assert.Contains("42 records in flight", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("deletionGracePeriodSeconds (2s)", timedOut.Message, StringComparison.Ordinal);
        Assert.InRange(h.Router.Calls.Count(c => c == "drain default/slow"), 2, 10);
        Assert.False(h.Router.Pipelines.ContainsKey("default/slow"));
    }

    [Fact]
    public async Task A_grace_period_of_zero_removes_without_draining()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        h.Router.DrainPollsBeforeDrained = int.MaxValue;
        var pipeline = Linear("now", "kafka-users", [], "clickhouse-analytics");
        pipeline.Spec.Lifecycle = new LifecycleSpec { DeletionGracePeriodSeconds = 0 };
        await h.CreateAsync(pipeline);
        await h.WaitForReadyReason("now", ConditionReasons.Running);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "now");

        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "now") is null, "the pipeline gone at once");
        Assert.DoesNotContain("drain default/now", h.Router.Calls);
    }

    [Fact]
    public async Task Delete_waits_for_the_router_when_it_is_down()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("stuck", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("stuck", ConditionReasons.Running);
        await h.Router.StopAsync();

        await h.Entities.DeleteAsync<EtlPipeline>("default", "stuck");
        await Eventually.WaitUntil(async () => (await h.EventsFor("stuck")).Any(e => e.Reason == "RouterUnavailable"), "a RouterUnavailable event from the finalizer");
        var terminating = await h.Entities.GetAsync<EtlPipeline>("default", "stuck");
        Assert.NotNull(terminating?.Metadata.DeletionTimestamp);

        await h.Router.StartAgainAsync();
        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "stuck") is null, "the pipeline to be gone once the router is back");
    }

    [Fact]
    public async Task Status_conflicts_are_retried_on_the_latest_version()
    {
        await using var h = await StartAsync(startOperator: false);
        ServeAll(h);
        await CreateServicesAsync(h);
        h.Api.Faults.FailNextStatusUpdates(3);
        await h.StartOperatorAsync("operator-a");
        await h.CreateAsync(Linear("contended", "kafka-users", [], "clickhouse-analytics"));

        await h.WaitForReadyReason("contended", ConditionReasons.Running);
        Assert.Equal(3, h.Api.Faults.StatusConflictsServed);
    }

    [Fact]
    public async Task Status_only_updates_do_not_trigger_a_reconcile()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("quiet", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("quiet", ConditionReasons.Running);
        // Ready is written while reconciles caused by the services' own status writes (they reference the pipeline)
        // may still be queued: count only once the router has seen no call for half a second.
        await WaitForQuietRouterAsync(h);
        var applies = h.Router.Calls.Count(c => c.StartsWith("apply default/quiet", StringComparison.Ordinal));

        // Someone else writes status (and no spec): generation stays, so the operator must not wake.
        await h.UpdateStatusAsync<EtlPipeline>("quiet", p => p.Status.RecordsIn = 12345);
        var relabelled = (await h.Entities.GetAsync<EtlPipeline>("default", "quiet"))!;
        Assert.Equal(1, relabelled.Metadata.Generation);

        // A spec change right after proves the operator is awake, and that it saw no event in between.
        relabelled.Spec.Dlq = new DeadLetterSpec { MaxRetries = 5 };
        await h.Entities.ReplaceAsync(relabelled);
        await Eventually.WaitUntil(() => h.Router.Pipelines["default/quiet"].Generation == 2, "generation 2 at the router");
        Assert.Equal(applies + 1, h.Router.Calls.Count(c => c.StartsWith("apply default/quiet", StringComparison.Ordinal)));
    }

    private static async Task WaitForQuietRouterAsync(OperatorHarness h)
    {
        var seen = h.Router.Calls.Count;
        var since = DateTime.UtcNow;
        await Eventually.WaitUntil(() =>
        {
            if (h.Router.Calls.Count != seen)
            {
                seen = h.Router.Calls.Count;
                since = DateTime.UtcNow;
            }

            return DateTime.UtcNow - since > TimeSpan.FromMilliseconds(500);
        }, "the operator to stop calling the router", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Watch_410_relists_and_no_event_is_lost()
    {
        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("before", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("before", ConditionReasons.Running);

        // The API server goes away; while it is gone, one pipeline is created and one deleted, and the
        // history is compacted, so the operator's next watch from its old version gets 410 Gone.
        h.Api.Faults.WatchesUnavailable = true;
        h.Api.DropWatches();
        await h.CreateAsync(Linear("during", "kafka-users", ["mask-pii"], "clickhouse-analytics"));
        var before = (await h.Entities.GetAsync<EtlPipeline>("default", "before"))!;
        before.Metadata.Finalizers = [];
        await h.Entities.ReplaceAsync(before);
        await h.Entities.DeleteAsync<EtlPipeline>("default", "before");
        h.Api.Store.Compact();
        h.Api.Faults.WatchesUnavailable = false;

        await h.WaitForReadyReason("during", ConditionReasons.Running);
        Assert.Contains(h.Api.RequestLog, r => r.StartsWith("GET /apis/etl.router/v1/etlpipelines", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_lease_holder_reconciles_and_the_standby_takes_over()
    {
        await using var h = await StartAsync(startOperator: false);
        ServeAll(h);
        await CreateServicesAsync(h);
        var first = await h.StartOperatorAsync("operator-a");
        await Eventually.WaitUntil(async () => (await h.Client.CoordinationV1.ReadNamespacedLeaseAsync("etl-operator-leader", "etl-system")).Spec.HolderIdentity == "operator-a", "operator-a to hold the lease");
        var second = await h.StartOperatorAsync("operator-b");

        await h.CreateAsync(Linear("led", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("led", ConditionReasons.Running);
        var writers = (await h.EventsFor("led")).Select(e => e.ReportingInstance).Distinct().ToList();
        Assert.Equal(["operator-a"], writers);

        await h.StopOperatorAsync(first);
        await Eventually.WaitUntil(async () => (await h.Client.CoordinationV1.ReadNamespacedLeaseAsync("etl-operator-leader", "etl-system")).Spec.HolderIdentity == "operator-b", "operator-b to take the lease", TimeSpan.FromSeconds(5));

        await h.CreateAsync(Linear("after-failover", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("after-failover", ConditionReasons.Running);
        Assert.Equal(["operator-b"], (await h.EventsFor("after-failover")).Select(e => e.ReportingInstance).Distinct());
        GC.KeepAlive(second);
    }

    [Fact]
    public async Task Reconciles_are_counted_and_timed()
    {
        var measurements = new List<(string Name, object? Kind)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OperatorMeter.Name)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => { lock (measurements) measurements.Add((i.Name, Tag(tags, "kind"))); });
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => { lock (measurements) measurements.Add((i.Name, Tag(tags, "kind"))); });
        listener.Start();

        await using var h = await StartAsync();
        ServeAll(h);
        await CreateServicesAsync(h);
        await h.CreateAsync(Linear("measured", "kafka-users", [], "clickhouse-analytics"));
        await h.WaitForReadyReason("measured", ConditionReasons.Running);

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Name == "etl_operator_reconciles" && (string?)m.Kind == "EtlPipeline");
            Assert.Contains(measurements, m => m.Name == "etl_operator_reconcile_duration" && (string?)m.Kind == "EtlPipeline");
        }
    }

    private static object? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
                return tag.Value;
        }

        return null;
    }
}
