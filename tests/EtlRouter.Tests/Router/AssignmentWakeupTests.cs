using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// Which sidecars a log entry wakes: only those whose assignments it may have changed, so ten thousand sidecars'
/// heartbeats and flow reports wake no assignment stream, and a pipeline write wakes only its own sidecars.
/// </summary>
public sealed class AssignmentWakeupTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private readonly StateMachineLog log = new(Now);
    private readonly List<IReadOnlyCollection<string>?> woken = [];

    public AssignmentWakeupTests()
    {
        log.State.AssignmentsTouched += sidecars => woken.Add(sidecars);
        foreach (var (id, ns) in new[] { ("a", "default"), ("b", "default"), ("x", "other") })
        {
            var sidecar = RouterTestData.Sidecar(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
            sidecar.Pod = $"{ns}/{id}";
            log.Apply(new Command { RegisterSidecar = sidecar });
        }

        woken.Clear();
    }

    private IReadOnlySet<string> Woken() => woken.Count == 1 && woken[0] is { } one ? one.ToHashSet() : throw new Xunit.Sdk.XunitException($"expected one wake-up, got {woken.Count}");

    [Fact]
    public void A_pipeline_write_wakes_the_sidecars_that_run_it_and_no_other()
    {
        log.Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        var first = Woken();
        Assert.NotEmpty(first);
        Assert.DoesNotContain("x", first);
        lock (log.State.Sync) Assert.Equal(first, log.State.Assignments.SidecarsOf("default/p"));

        // Another namespace's pipeline concerns only its own sidecar.
        woken.Clear();
        log.Apply(new Command { ApplyPipeline = RouterTestData.Linear("q", ns: "other") });
        Assert.Equal(new HashSet<string> { "x" }, Woken());

        // Deleting wakes those that ran it (they must drop its stages).
        woken.Clear();
        log.Apply(new Command { DeletePipeline = new PipelineRef { Namespace = "default", Name = "p" } });
        Assert.Equal(first, Woken());
        lock (log.State.Sync) Assert.Empty(StateViews.ForSidecar(log.State, first.First()).Stages);
    }

    [Fact]
    public void Lease_renewals_flow_reports_and_dead_letters_wake_nobody()
    {
        log.Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        woken.Clear();
        log.Apply(new Command { RenewLease = "a" });
        log.Apply(new Command { RecordFlow = new FlowReports { Reports = { new FlowReport { SidecarId = "a" } } } });
        log.Apply(new Command { ExpireLeases = new ExpireLeases() });
        Assert.Empty(woken);
    }

    [Fact]
    public void A_sidecar_that_goes_away_wakes_itself_and_the_sidecars_of_every_pipeline_it_ran()
    {
        log.Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        HashSet<string> running;
        lock (log.State.Sync) running = [.. log.State.Assignments.SidecarsOf("default/p")];
        woken.Clear();
        var leaving = running.First();
        log.Apply(new Command { DeregisterSidecar = leaving });
        var wake = Woken();
        Assert.Contains(leaving, wake);
        Assert.True(running.IsSubsetOf(wake), $"woke {string.Join(",", wake)}; the pipeline ran on {string.Join(",", running)}");
        lock (log.State.Sync) Assert.Empty(log.State.Assignments.PipelinesOf(leaving));
    }

    [Fact]
    public void A_restore_wakes_everyone()
    {
        RouterSnapshot backup;
        lock (log.State.Sync) backup = log.State.ToSnapshot(null);
        log.Apply(new Command { Restore = backup });
        Assert.Single(woken);
        Assert.Null(woken[0]);
    }
}
