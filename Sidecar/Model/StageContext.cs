using System.Diagnostics;
using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Discovery;
using EtlRouter.Sidecar.Metrics;

namespace EtlRouter.Sidecar.Model;

/// <summary>
/// What one running stage knows: its current assignment, where its service is, its counters. Every step of the
/// record path reads it; its outputs belong to the stage (<c>Stages/StageOutputs</c>), so this stays below the path.
/// </summary>
internal sealed class StageContext
{
    private volatile AssignedStage assignment;

    public StageContext(AssignedStage assignment, SidecarOptions options, LocalServices services, GrpcChannels channels, SidecarMetrics metrics, ILogger logger)
    {
        this.assignment = assignment;
        Key = StageKey.Of(assignment);
        Options = options;
        Services = services;
        Channels = channels;
        Metrics = metrics;
        Logger = logger;
        Tags = new TagList { { "pipeline", $"{Key.Namespace}/{Key.Pipeline}" }, { "stage", Key.Stage } };
    }

    public StageKey Key { get; }

    public AssignedStage Assignment { get => assignment; set => assignment = value; }

    public StageDefinition Definition => assignment.Stage;

    public SidecarOptions Options { get; }

    public LocalServices Services { get; }

    public GrpcChannels Channels { get; }

    public SidecarMetrics Metrics { get; }

    public ILogger Logger { get; }

    public TagList Tags { get; }

    public StageCounters Counters { get; } = new();

    /// <summary>The stage's call deadline (timeoutSeconds, 30 s when unset).</summary>
    public TimeSpan CallTimeout => TimeSpan.FromSeconds(Definition.TimeoutSeconds > 0 ? Definition.TimeoutSeconds : 30);

    /// <summary>Where to call the stage's service: its explicit endpoint, or what discovery found on the pod.</summary>
    public string? ServiceEndpoint =>
        Definition.Endpoint is { Length: > 0 } endpoint ? endpoint : Services.EndpointOf(Definition.Kind, Definition.Service);

    public void CountIn(long records)
    {
        Counters.In(records);
        Metrics.RecordsIn.Add(records, Tags);
    }

    public void CountOut(long records)
    {
        Counters.Out(records);
        Metrics.RecordsOut.Add(records, Tags);
    }
}
