using System.Globalization;
using EtlRouter.Entities.Resources;

namespace EtlRouter.Operator.Scaling;

/// <summary>
/// How many replicas a workload should have, from its service's backlog (HPA's rule with its default behaviour):
/// the recommendation is ceil(backlog / targetBacklogPerReplica) within min and max; a higher one applies at once;
/// a lower one only when no recommendation of the last scaleDownDelay asked for more (the stabilization window,
/// which is what keeps a workload from flapping), and never before a whole window has been seen.
/// </summary>
internal static class ScalingDecision
{
    /// <param name="policy">The resource's spec.scaling.</param>
    /// <param name="current">The workload's spec.replicas now.</param>
    /// <param name="backlog">The router's figure; null when no sender has reported recently (then nothing scales down).</param>
    /// <param name="window">Recommendations seen so far, oldest first, this one not yet among them.</param>
    /// <param name="watchingSince">When the recommendations began (the operator's start, or the policy's).</param>
    /// <param name="now">The time of this look.</param>
    public static ScalingOutcome Decide(ScalingSpec policy, int current, long? backlog, IReadOnlyList<(DateTime At, int Replicas)> window, DateTime watchingSince, DateTime now)
    {
        var min = policy.EffectiveMinReplicas;
        var max = Math.Max(min, policy.EffectiveMaxReplicas);
        var target = policy.EffectiveTargetBacklogPerReplica;
        var delay = policy.EffectiveScaleDownDelay;

        if (backlog is not { } records)
        {
            var held = Math.Clamp(current, min, max);
            return new(held, held, held == current
                ? $"no recent flow report for the service's inputs; keeping {current}"
                : $"no recent flow report for the service's inputs; {current} is outside {min}-{max}: scaled {current} -> {held}");
        }

        var wanted = (int)Math.Clamp((records + target - 1) / target, min, max);
        var asks = $"backlog {N(records)} at {N(target)} per replica asks for {wanted}{(wanted == max && records > (long)max * target ? $" (max {max})" : string.Empty)}";
        if (wanted >= current)
            return new(wanted, wanted, wanted == current ? $"{asks}: keeping {current}" : $"{asks}: scaled {current} -> {wanted}");

        // Scaling down: the highest recommendation over the last scaleDownDelay, this one included.
        var since = now - delay;
        var highest = window.Where(r => r.At >= since).Select(r => r.Replicas).Append(wanted).Max();
        var decided = Math.Min(current, Math.Max(wanted, highest));
        if (watchingSince > since)
            return new(current, wanted, $"{asks}; scaling down from {current} waits until {Duration(delay)} of recommendations have been seen");
        if (decided >= current)
            return new(current, wanted, $"{asks}; scaling down from {current} waits until no recommendation of the last {Duration(delay)} asks for more (highest {highest})");
        return new(decided, wanted, $"{asks}: scaled {current} -> {decided} after {Duration(delay)} with no recommendation above {decided}");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.TotalMinutes == Math.Floor(span.TotalMinutes) ? $"{span.TotalMinutes:0}m"
        : $"{span.TotalSeconds:0}s";
}

/// <param name="Replicas">What the workload should have now.</param>
/// <param name="Recommended">What the backlog alone asks for (kept in the window).</param>
/// <param name="Reason">Why, for status and events.</param>
internal sealed record ScalingOutcome(int Replicas, int Recommended, string Reason);
