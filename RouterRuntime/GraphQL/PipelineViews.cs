using System.ComponentModel;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>A pipeline as the router holds and observes it.</summary>
[Name("Pipeline")]
internal sealed record PipelineView(
    [property: Description("namespace/name.")] string Id,
    string Namespace,
    string Name,
    long Generation,
    [property: Description("The service of its first source stage (the linear form's source).")] string? Source,
    [property: Description("The service of its last sink stage (the linear form's sink).")] string? Sink,
    IReadOnlyList<StageView> Stages,
    IReadOnlyList<EdgeView> Edges,
    [property: Description("Records its sources passed on, as the sidecars last reported.")] long RecordsIn,
    [property: Description("Records its sinks wrote.")] long RecordsOut,
    long DeadLetters,
    [property: Description("Recent p99 of its sources' read to end-to-end acknowledgement, ms.")] double LatencyP99Ms,
    [property: Description("Set while it drains before its deletion.")] DateTimeOffset? DrainingSince,
    DateTimeOffset? UpdatedAt);

[Name("Stage")]
internal sealed record StageView(
    [property: Description("The stage's name, unique in its pipeline.")] string Id,
    [property: Description("SOURCE, TRANSFORM or SINK.")] string Kind,
    string Service,
    [property: Description("Where the stage runs: its first sidecar's data-plane address, or its explicit endpoint.")] string? Endpoint,
    IReadOnlyList<string> Inputs,
    int Replicas,
    IReadOnlyList<AssignmentView> Assignments,
    [property: Description("Why it runs nowhere, when it does not.")] string? UnassignedReason,
    long RecordsIn,
    long RecordsOut,
    long RecordsFailed,
    [property: Description("Recent p50 latency, ms (the slowest replica's): a source's read to end-to-end acknowledgement, another stage's time on a batch.")] double LatencyP50Ms,
    [property: Description("Recent p99 latency, ms, likewise.")] double LatencyP99Ms);

[Name("Assignment")]
internal sealed record AssignmentView(string SidecarId, string Pod, string Address, long Epoch);

/// <summary>An edge of the pipeline's graph with its credit budget and what its senders last reported.</summary>
[Name("Edge")]
internal sealed record EdgeView(
    string From,
    string To,
    long BudgetRecords,
    long BudgetBytes,
    int BatchSize,
    [property: Description("Credit the senders held at their last report; 0 while the receiver is the bottleneck.")] long CreditsRecords,
    long CreditsBytes,
    [property: Description("Records waiting at the senders for credit.")] long Backlog,
    [property: Description("The senders had a backlog and no credit: this edge throttles the pipeline.")] bool Throttled,
    [property: Description("How much of the budget is in use, 0 (idle) to 1 (no credit left).")] double Pressure,
    DateTimeOffset? ReportedAt,
    [property: Description("Conditional edge: only records meeting this condition take it; null: every record.")] string? Condition);
