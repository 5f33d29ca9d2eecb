using System.ComponentModel;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>A record that failed every retry, with its error context.</summary>
[Name("DeadLetter")]
internal sealed record DeadLetterView(
    string Id,
    [property: Description("namespace/name of its pipeline.")] string Pipeline,
    [property: Description("The stage that failed.")] string Stage,
    string RecordId,
    string? Key,
    [property: Description("The record's value as UTF-8 text (invalid bytes replaced).")] string Value,
    IReadOnlyList<HeaderView> Headers,
    string Error,
    int Attempts,
    [property: Description("FAILED, or REPLAY_REQUESTED while a replay is under way.")] string State,
    int Replays,
    DateTimeOffset? FirstFailedAt,
    DateTimeOffset? LastFailedAt,
    DateTimeOffset? StoredAt);

[Name("Header")]
internal sealed record HeaderView(string Name, string Value);

/// <summary>One page of dead letters, oldest first.</summary>
[Name("DeadLetterPage")]
internal sealed record DeadLetterPage(
    IReadOnlyList<DeadLetterView> Items,
    [property: Description("How many match in all.")] int Total,
    [property: Description("Pass as `after` for the next page; null on the last page.")] string? Next);

/// <summary>Which dead letters: every field given must match.</summary>
[Name("DeadLetterFilter")]
internal sealed class DeadLetterFilterInput
{
    [Description("namespace/name of the pipeline.")]
    public string? Pipeline { get; set; }

    public string? Stage { get; set; }

    [Description("Case-insensitive part of the error.")]
    public string? ErrorContains { get; set; }

    [Description("FAILED or REPLAY_REQUESTED.")]
    public string? State { get; set; }

    public IList<string>? Ids { get; set; }
}

[Name("DeadLetterChange")]
internal sealed record DeadLetterChange([property: Description("How many dead letters the call changed.")] int Count);
