using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf.WellKnownTypes;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>A pipeline's drain as the state machine applies it: marked once, reported done only by its source replicas.</summary>
public sealed class DrainProgressTests
{
    private static readonly DateTime T0 = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly PipelineRef P = new() { Namespace = "default", Name = "p" };
    private readonly StateMachineLog log = new(T0);

    private RouterState state => log.State;

    private CommandResult Apply(Command command, DateTime? at = null) => log.Apply(command, at);

    private DrainPipelineResponse Drain(DateTime? at = null) => Apply(new Command { DrainPipeline = P }, at).DrainPipeline;

    private void Report(string sidecar, bool draining, bool drained, ulong inFlight)
    {
        var reports = new FlowReports();
        reports.Reports.Add(new FlowReport
        {
            SidecarId = sidecar,
            Stages = { new StageFlow { Pipeline = P, Stage = "source", Draining = draining, Drained = drained, InFlight = inFlight } },
        });
        Apply(new Command { RecordFlow = reports });
    }

    [Fact]
    public void A_drain_is_done_only_once_every_source_replica_reported_drained_while_draining()
    {
        Apply(new Command { RegisterSidecar = RouterTestData.Sidecar("a", (StageKind.Source, "gen")) });
        Apply(new Command { RegisterSidecar = RouterTestData.Sidecar("b", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files")) });
        var pipeline = RouterTestData.Linear("p");
        pipeline.Stages[0].Replicas = 2;
        Apply(new Command { ApplyPipeline = pipeline });
        Report("a", draining: false, drained: false, inFlight: 300);

        var first = Drain(T0);
        Assert.True(first.Existed);
        Assert.False(first.Drained);
        Assert.Equal(Timestamp.FromDateTime(T0), first.DrainingSince);
        Assert.Equal(2, first.WaitingFor.Count);
        Assert.All(first.WaitingFor, w => Assert.Contains("has not reported since the drain began", w, StringComparison.Ordinal));
        Assert.All(StateViews.ForSidecar(state, "a").Stages, s => Assert.True(s.Draining));
        Assert.Equal(T0, StateViews.Pipeline(state, state.Pipelines["default/p"]).DrainingSince.ToDateTime());

        Report("a", draining: true, drained: false, inFlight: 120);
        Report("b", draining: true, drained: true, inFlight: 0);
        var later = Drain(T0.AddSeconds(5));
        Assert.False(later.Drained);
        Assert.Equal(120ul, later.InFlight);
        Assert.Equal(Timestamp.FromDateTime(T0), later.DrainingSince);
        Assert.Contains("120 records in flight", Assert.Single(later.WaitingFor), StringComparison.Ordinal);

        Report("a", draining: true, drained: true, inFlight: 0);
        var done = Drain();
        Assert.True(done.Drained);
        Assert.Empty(done.WaitingFor);
    }

    [Fact]
    public void A_source_running_nowhere_has_nothing_to_drain_and_an_unknown_pipeline_did_not_exist()
    {
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        Assert.True(Drain().Drained);
        Assert.False(Apply(new Command { DrainPipeline = new PipelineRef { Namespace = "default", Name = "nope" } }).DrainPipeline.Existed);
    }

    [Fact]
    public void A_new_generation_ends_the_drain()
    {
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        Drain();
        Assert.NotNull(state.Pipelines["default/p"].DrainingSince);

        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p", generation: 2) });
        Assert.Null(state.Pipelines["default/p"].DrainingSince);
    }
}
