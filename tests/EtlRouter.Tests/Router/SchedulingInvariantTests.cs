using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Scheduling;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf.WellKnownTypes;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// The scheduler's invariant (<see cref="AssignmentRule"/>) after every step of random histories that exercise
/// all of its paths: pipeline writes joining, growing and leaving shared groups, stages with explicit endpoints,
/// sidecars registering, re-registering other services, deregistering and expiring.
/// </summary>
public sealed class SchedulingInvariantTests
{
    private static readonly DateTime T0 = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Transforms = ["mask", "enrich", "filter"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Every_command_of_a_random_history_leaves_every_group_obeying_the_rule(int seed)
    {
        var state = new RouterState();
        var applier = new CommandApplier(state, TimeSpan.FromSeconds(10));
        var random = new Random(seed);
        var clock = T0;
        for (var step = 1; step <= 400; step++)
        {
            clock = clock.AddSeconds(random.Next(0, 3));
            var command = RandomCommand(random, step);
            command.IssuedAt = Timestamp.FromDateTime(clock);
            applier.Apply(command, step);

            var violations = SchedulingInvariant.Violations(state.Pipelines.Values, state.Sidecars.Values.ToList());
            Assert.True(violations.Count == 0, $"seed {seed}, step {step} ({command.BodyCase}): {string.Join("; ", violations)}");
        }

        Assert.NotEmpty(state.Pipelines);
    }

    [Fact]
    public void The_invariant_names_a_shared_group_whose_members_disagree_and_an_assignment_to_a_sidecar_that_does_not_serve()
    {
        var state = new RouterState();
        var applier = new CommandApplier(state, TimeSpan.FromSeconds(10));
        var index = 0;
        void Apply(Command command)
        {
            command.IssuedAt = Timestamp.FromDateTime(T0);
            applier.Apply(command, ++index);
        }

        Apply(new Command { RegisterSidecar = RouterTestData.Sidecar("a", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files")) });
        Apply(new Command { RegisterSidecar = RouterTestData.Sidecar("b", (StageKind.Source, "gen"), (StageKind.Transform, "mask"), (StageKind.Sink, "files")) });
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("one") });
        Apply(new Command { ApplyPipeline = RouterTestData.Linear("two") });
        Assert.Empty(SchedulingInvariant.Violations(state.Pipelines.Values, state.Sidecars.Values.ToList()));

        var transform = state.Pipelines["default/two"].Stages.Single(s => s.Name == "transform");
        var other = transform.Sidecars[0] == "a" ? "b" : "a";
        transform.Sidecars[0] = other;
        var source = state.Pipelines["default/one"].Stages.Single(s => s.Name == "source");
        source.Sidecars[0] = "nobody";

        var violations = SchedulingInvariant.Violations(state.Pipelines.Values, state.Sidecars.Values.ToList());
        Assert.Contains(violations, v => v.Contains("stage transform", StringComparison.Ordinal) && v.Contains("shares its service", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("default/one stage source", StringComparison.Ordinal) && v.Contains("[nobody]", StringComparison.Ordinal));
    }

    private static Command RandomCommand(Random random, int step)
    {
        var sidecar = $"s{random.Next(6)}";
        switch (random.Next(10))
        {
            case 0 or 1:
                return new Command { RegisterSidecar = RouterTestData.Sidecar(sidecar, RandomServices(random)) };
            case 2:
                return new Command { DeregisterSidecar = sidecar };
            case 3:
                return new Command { ExpireLeases = new ExpireLeases() };
            case 4:
                return new Command { RenewLease = sidecar };
            case 5:
                return new Command { DeletePipeline = new PipelineRef { Namespace = "default", Name = $"p{random.Next(12)}" } };
            default:
                var pipeline = RouterTestData.Linear($"p{random.Next(12)}", generation: step, transform: Transforms[random.Next(Transforms.Length)]);
                pipeline.Stages[1].Replicas = (uint)random.Next(0, 4);
                pipeline.Stages[2].Replicas = (uint)random.Next(0, 3);
                if (random.Next(5) == 0) pipeline.Stages[2].Endpoint = "127.0.0.1:5432";
                return new Command { ApplyPipeline = pipeline };
        }
    }

    private static (StageKind, string)[] RandomServices(Random random)
    {
        var services = new List<(StageKind, string)>();
        if (random.Next(3) > 0) services.Add((StageKind.Source, "gen"));
        if (random.Next(4) > 0) services.Add((StageKind.Sink, "files"));
        services.AddRange(Transforms.Where(_ => random.Next(2) == 0).Select(t => (StageKind.Transform, t)));
        return [.. services];
    }
}
