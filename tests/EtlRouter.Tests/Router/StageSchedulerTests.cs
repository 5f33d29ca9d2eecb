using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf.WellKnownTypes;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>The scheduler's rules, applied through the state machine's commands as every node applies them.</summary>
public sealed class StageSchedulerTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private readonly StateMachineLog log = new(T0);

    private RouterState state => log.State;

    private CommandResult Apply(Command command, DateTime? at = null) => log.Apply(command, at);

    private void Register(string id, params (StageKind, string)[] services) => Apply(new Command { RegisterSidecar = RouterTestData.Sidecar(id, services) });

    private List<string> Where(string pipeline, string stage) =>
        state.Pipelines[$"default/{pipeline}"].Stages.Single(s => s.Name == stage).Sidecars.ToList();

    [Fact]
    public void A_stage_never_goes_to_a_sidecar_that_does_not_serve_its_service()
    {
        Register("a", (StageKind.Source, "gen"));
        Register("b", (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        Register("c", (StageKind.Transform, "other"));
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });

        Assert.Equal(["a"], Where("p", "source"));
        Assert.Equal(["b"], Where("p", "transform"));
        Assert.Equal(["b"], Where("p", "sink"));
    }

    [Fact]
    public void A_kind_must_match_too_and_an_unserved_stage_says_why()
    {
        Register("a", (StageKind.Sink, "gen"));
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });

        var source = state.Pipelines["default/p"].Stages.Single(s => s.Name == "source");
        Assert.Empty(source.Sidecars);
        Assert.Contains("no live sidecar serves source 'gen'", source.UnassignedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipeline_runs_only_on_sidecars_of_its_own_namespace_and_same_named_services_elsewhere_are_not_shared()
    {
        // A sidecar of namespace bank serves a service named like shop's: shop's pipeline must not get it.
        var bank = RouterTestData.Sidecar("bank-1", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        bank.Pod = "bank/bank-1";
        Apply(new Command { RegisterSidecar = bank });
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("orders", ns: "shop") });
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("payments", ns: "bank") });
        var shop = state.Pipelines["shop/orders"];
        Assert.All(shop.Stages, s => Assert.Empty(s.Sidecars));
        Assert.Contains("no live sidecar serves source 'gen'", shop.Stages.Single(s => s.Name == "source").UnassignedReason, StringComparison.Ordinal);
        Assert.All(state.Pipelines["bank/payments"].Stages, s => Assert.Equal(["bank-1"], s.Sidecars));

        // One of its own arrives: shop's stages go there, bank's stay where they are.
        var own = RouterTestData.Sidecar("shop-1", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        own.Pod = "shop/shop-1";
        Apply(new Command { RegisterSidecar = own });
        Assert.All(state.Pipelines["shop/orders"].Stages, s => Assert.Equal(["shop-1"], s.Sidecars));
        Assert.All(state.Pipelines["bank/payments"].Stages, s => Assert.Equal(["bank-1"], s.Sidecars));
        Assert.Empty(EtlRouter.RouterRuntime.Scheduling.SchedulingInvariant.Violations(state.Pipelines.Values, state.Sidecars.Values.ToList()));
    }

    [Fact]
    public void Replicas_spread_over_distinct_sidecars_least_loaded_first()
    {
        foreach (var id in new[] { "a", "b", "c" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        var pipeline = RouterTestData.Linear("p");
        pipeline.Stages[1].Replicas = 3;
        Apply(new Command { ApplyPipeline = pipeline });

        Assert.Equal(3, Where("p", "transform").Distinct().Count());
        var load = state.Pipelines["default/p"].Stages.SelectMany(s => s.Sidecars).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(load.Values.Max() - load.Values.Min() <= 1, $"uneven: {string.Join(",", load)}");
    }

    [Fact]
    public void More_replicas_than_sidecars_assigns_what_exists_and_says_so()
    {
        Register("a", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        var pipeline = RouterTestData.Linear("p");
        pipeline.Stages[1].Replicas = 2;
        Apply(new Command { ApplyPipeline = pipeline });

        var transform = state.Pipelines["default/p"].Stages.Single(s => s.Name == "transform");
        Assert.Equal(["a"], transform.Sidecars);
        Assert.Contains("1 of 2 replicas", transform.UnassignedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipelines_that_use_the_same_service_share_its_sidecars()
    {
        foreach (var id in new[] { "a", "b", "c", "d" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("one") });
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("two") });

        Assert.Equal(Where("one", "transform"), Where("two", "transform"));
        Assert.Equal(Where("one", "source"), Where("two", "source"));
    }

    [Fact]
    public void A_new_sidecar_causes_no_churn_and_an_expired_one_hands_its_stages_over_with_a_higher_epoch()
    {
        Register("a", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("p") });
        var before = state.Epoch;

        Register("b", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        Assert.Equal(["a"], Where("p", "transform"));
        Assert.Equal(before, state.Epoch);

        // b renews at T0+8s; at T0+11s a's lease (T0+10s) is over and b's (T0+18s) is not.
        Apply(new Command { RenewLease = "b" }, T0.AddSeconds(8));
        Apply(new Command { ExpireLeases = new ExpireLeases() }, T0.AddSeconds(11));

        Assert.False(state.Sidecars.ContainsKey("a"));
        Assert.Equal(["b"], Where("p", "transform"));
        Assert.True(state.Epoch > before);
        Assert.All(state.Pipelines["default/p"].Stages, s => Assert.Equal(state.Epoch, s.Epoch));
    }

    [Fact]
    public void The_same_commands_give_the_same_state_on_every_node()
    {
        RouterState Run()
        {
            var s = new RouterState();
            var a = new CommandApplier(s, TimeSpan.FromSeconds(10));
            var i = 0;
            var random = new Random(7);
            foreach (var id in Enumerable.Range(0, 12).Select(n => $"s{n}").OrderBy(_ => random.Next()))
                a.Apply(new Command { IssuedAt = Timestamp.FromDateTime(T0), RegisterSidecar = RouterTestData.Sidecar(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files")) }, ++i);
            for (var p = 0; p < 20; p++)
            {
                var pipeline = RouterTestData.Linear($"p{p}", transform: $"mask{p % 3}");
                pipeline.Stages[0].Replicas = (uint)(1 + (p % 3));
                a.Apply(new Command { IssuedAt = Timestamp.FromDateTime(T0), ApplyPipeline = pipeline }, ++i);
            }

            a.Apply(new Command { IssuedAt = Timestamp.FromDateTime(T0), DeregisterSidecar = "s3" }, ++i);
            return s;
        }

        Assert.Equal(Run().ToSnapshot(new Timestamp()), Run().ToSnapshot(new Timestamp()));
    }

    [Fact]
    public void Dead_letters_are_idempotent_by_id_and_bounded_by_the_pipelines_retention()
    {
        var pipeline = RouterTestData.Linear("p");
        pipeline.Dlq = new DeadLetterPolicy { Enabled = true, MaxRecords = 5, Retention = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };
        Apply(new Command { ApplyPipeline = pipeline });

        AppendDeadLettersRequest Batch(int from, int count)
        {
            var request = new AppendDeadLettersRequest();
            for (var i = from; i < from + count; i++)
                request.DeadLetters.Add(new DeadLetter { Id = $"r{i}", Pipeline = pipeline.Ref, Stage = "transform", Error = "boom", Record = new EtlRouter.Contracts.V1.Record { Id = $"r{i}" } });
            return request;
        }

        Assert.Equal(3u, Apply(new Command { AppendDeadLetters = Batch(0, 3) }).AppendDeadLetters.Stored);
        Assert.Equal(0u, Apply(new Command { AppendDeadLetters = Batch(0, 3) }).AppendDeadLetters.Stored);
        var overflow = Apply(new Command { AppendDeadLetters = Batch(3, 4) }).AppendDeadLetters;
        Assert.Equal(4u, overflow.Stored);
        Assert.Equal(2u, overflow.Evicted);
        Assert.Equal(["r2", "r3", "r4", "r5", "r6"], state.DeadLetters.All.Select(d => d.Id));

        Apply(new Command { ExpireLeases = new ExpireLeases() }, T0.AddHours(2));
        Assert.Equal(0, state.DeadLetters.Count);
    }

    [Fact]
    public void A_pipeline_joining_a_shared_stage_takes_its_sidecars_and_leaves_the_other_members_alone()
    {
        foreach (var id in new[] { "a", "b" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        for (var i = 0; i < 50; i++) Apply(new Command { ApplyPipeline = RouterTestData.Linear($"p{i:D2}") });
        var epochs = state.Pipelines.Values.SelectMany(p => p.Stages).Select(s => s.Epoch).ToList();

        Apply(new Command { ApplyPipeline = RouterTestData.Linear("zz") });

        Assert.Equal(Where("p00", "transform"), Where("zz", "transform"));
        Assert.Equal(Where("p00", "source"), Where("zz", "source"));
        Assert.Equal(epochs, state.Pipelines.Values.Where(p => p.Definition.Ref.Name != "zz").SelectMany(p => p.Stages).Select(s => s.Epoch).ToList());
    }

    [Fact]
    public void A_member_asking_for_more_replicas_grows_the_shared_group_and_its_delete_shrinks_it_again()
    {
        foreach (var id in new[] { "a", "b", "c" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        for (var i = 0; i < 10; i++) Apply(new Command { ApplyPipeline = RouterTestData.Linear($"p{i}") });
        Assert.Single(Where("p3", "transform"));

        var wide = RouterTestData.Linear("wide");
        wide.Stages[1].Replicas = 3;
        Apply(new Command { ApplyPipeline = wide });
        Assert.Equal(3, Where("p3", "transform").Count);
        Assert.Equal(Where("p3", "transform"), Where("wide", "transform"));

        Apply(new Command { DeletePipeline = wide.Ref });
        var shrunk = Where("p3", "transform");
        Assert.Single(shrunk);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(shrunk, Where($"p{i}", "transform")));
    }

    [Fact]
    public void A_stage_whose_options_change_moves_to_the_group_of_its_new_key()
    {
        foreach (var id in new[] { "a", "b" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"));
        var tuned = RouterTestData.Linear("tuned");
        tuned.Stages[1].Options["mode"] = "strict";
        Apply(new Command { ApplyPipeline = tuned });
        Register("c", (StageKind.Transform, "mask"));
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("plain") });
        var plainGroup = Where("plain", "transform");

        var retuned = RouterTestData.Linear("tuned", generation: 2);
        Apply(new Command { ApplyPipeline = retuned });
        Assert.Equal(plainGroup, Where("plain", "transform"));
        Assert.Equal(plainGroup, Where("tuned", "transform"));
        var epoch = state.Epoch;
        lock (state.Sync) state.Reschedule();
        Assert.Equal(epoch, state.Epoch);
    }

    [Fact]
    public void Incremental_and_full_scheduling_agree_after_a_mixed_history()
    {
        var random = new Random(7);
        foreach (var id in new[] { "a", "b", "c", "d" }) Register(id, (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files"), (StageKind.Transform, "enrich"));
        for (var step = 0; step < 300; step++)
        {
            var name = $"p{random.Next(40)}";
            if (random.Next(4) == 0)
            {
                Apply(new Command { DeletePipeline = new PipelineRef { Namespace = "default", Name = name } });
                continue;
            }

            var pipeline = RouterTestData.Linear(name, generation: step + 1, transform: random.Next(2) == 0 ? "mask" : "enrich");
            pipeline.Stages[1].Replicas = (uint)random.Next(1, 3);
            Apply(new Command { ApplyPipeline = pipeline });
        }

        // Every group is consistent: all members of a shared stage run on the same sidecars, as many as the
        // most demanding member asks for.
        var stages = state.Pipelines.Values.SelectMany(p => p.Definition.Stages.Select(d => (p.Definition.Ref.Namespace, Definition: d, Stored: p.Stages.Single(s => s.Name == d.Name))));
        foreach (var group in stages.GroupBy(s => EtlRouter.RouterRuntime.Scheduling.SharedStageKey.Of(s.Namespace, s.Definition)))
        {
            var sidecars = group.First().Stored.Sidecars.ToList();
            Assert.All(group, member => Assert.Equal(sidecars, member.Stored.Sidecars));
            Assert.Equal((int)group.Max(m => Math.Max(1, m.Definition.Replicas)), sidecars.Count);
        }

        // A full reschedule of the same state finds nothing to change.
        var epoch = state.Epoch;
        lock (state.Sync) state.Reschedule();
        Assert.Equal(epoch, state.Epoch);
    }
}
