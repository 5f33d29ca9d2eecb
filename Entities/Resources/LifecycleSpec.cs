using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>What happens around a pipeline's deletion (Numaflow's <c>lifecycle</c>, same field name).</summary>
public sealed class LifecycleSpec
{
    public const int DefaultDeletionGracePeriodSeconds = 60;

    [JsonPropertyName("deletionGracePeriodSeconds")]
    [Description("How long a deleted pipeline drains (its sources take nothing new while what they handed over is delivered or dead-lettered) before it is removed regardless. 0 removes it at once.")]
    [RangeMinimum(0)]
    [RangeMaximum(86_400)]
    [Default(DefaultDeletionGracePeriodSeconds)]
    public int? DeletionGracePeriodSeconds { get; set; }

    /// <summary>The grace period, defaulted.</summary>
    [JsonIgnore]
    public TimeSpan DeletionGracePeriod => TimeSpan.FromSeconds(DeletionGracePeriodSeconds ?? DefaultDeletionGracePeriodSeconds);
}
