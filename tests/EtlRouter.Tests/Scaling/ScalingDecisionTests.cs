using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Scaling;
using Xunit;

namespace EtlRouter.Tests.Scaling;

/// <summary>The scaling rule on its own: up at once, down only after a quiet window, within bounds, never on no figure.</summary>
public sealed class ScalingDecisionTests
{
    private static readonly DateTime Start = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);

    private static readonly ScalingSpec Policy = new()
    {
        Workload = new WorkloadReference { Name = "sink" },
        MinReplicas = 1,
        MaxReplicas = 5,
        TargetBacklogPerReplica = 100,
        ScaleDownDelay = "60s",
    };

    [Theory]
    [InlineData(1, 0, 1, "backlog 0 at 100 per replica asks for 1: keeping 1")]
    [InlineData(1, 250, 3, "backlog 250 at 100 per replica asks for 3: scaled 1 -> 3")]
    [InlineData(2, 100_000, 5, "backlog 100,000 at 100 per replica asks for 5 (max 5): scaled 2 -> 5")]
    [InlineData(3, 300, 3, "asks for 3: keeping 3")]
    public void A_higher_recommendation_applies_at_once_within_the_bounds(int current, long backlog, int expected, string reason)
    {
        var outcome = ScalingDecision.Decide(Policy, current, backlog, [], Start.AddHours(-1), Start);
        Assert.Equal(expected, outcome.Replicas);
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaling_down_waits_until_no_recommendation_of_the_delay_asked_for_more()
    {
        var window = new List<(DateTime, int)> { (Start.AddSeconds(-50), 4), (Start.AddSeconds(-10), 2) };
        var held = ScalingDecision.Decide(Policy, 4, 0, window, Start.AddHours(-1), Start);
        Assert.Equal(4, held.Replicas);
        Assert.Equal(1, held.Recommended);
        Assert.Contains("waits until no recommendation of the last 1m asks for more (highest 4)", held.Reason, StringComparison.Ordinal);

        // The 4 has left the window; the 2 has not: down to 2, not to 1.
        var partly = ScalingDecision.Decide(Policy, 4, 0, window, Start.AddHours(-1), Start.AddSeconds(15));
        Assert.Equal(2, partly.Replicas);
        Assert.Contains("scaled 4 -> 2 after 1m with no recommendation above 2", partly.Reason, StringComparison.Ordinal);

        var all = ScalingDecision.Decide(Policy, 2, 0, window, Start.AddHours(-1), Start.AddSeconds(55));
        Assert.Equal(1, all.Replicas);
    }

    [Fact]
    public void A_backlog_that_swings_every_few_seconds_does_not_make_the_workload_flap()
    {
        var window = new List<(DateTime At, int Replicas)>();
        var replicas = 1;
        var changes = 0;
        for (var second = 0; second < 600; second += 10)
        {
            var now = Start.AddSeconds(second);
            var backlog = second / 10 % 2 == 0 ? 450 : 20;
            var outcome = ScalingDecision.Decide(Policy, replicas, backlog, window.Where(w => w.At >= now.AddSeconds(-60)).ToList(), Start, now);
            window.Add((now, outcome.Recommended));
            if (outcome.Replicas != replicas) changes++;
            replicas = outcome.Replicas;
        }

        Assert.Equal(5, replicas);
        Assert.Equal(1, changes);
    }

    [Fact]
    public void Nothing_scales_down_before_a_whole_window_was_seen_or_without_a_recent_figure()
    {
        var fresh = ScalingDecision.Decide(Policy, 4, 0, [], Start.AddSeconds(-30), Start);
        Assert.Equal(4, fresh.Replicas);
        Assert.Contains("waits until 1m of recommendations have been seen", fresh.Reason, StringComparison.Ordinal);

        var blind = ScalingDecision.Decide(Policy, 4, null, [], Start.AddHours(-1), Start);
        Assert.Equal(4, blind.Replicas);
        Assert.Contains("no recent flow report", blind.Reason, StringComparison.Ordinal);

        // Out of bounds is corrected even without a figure.
        Assert.Equal(5, ScalingDecision.Decide(Policy, 9, null, [], Start.AddHours(-1), Start).Replicas);
        Assert.Equal(1, ScalingDecision.Decide(Policy, 0, null, [], Start.AddHours(-1), Start).Replicas);
    }
}
