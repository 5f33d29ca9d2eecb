using System.CommandLine;
using System.Globalization;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Resources;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl dlq list|show|replay|purge: the router's dead letters, filtered by pipeline, stage, time and error text.</summary>
internal static class DlqCommand
{
    public static Command Create(GlobalOptions global)
    {
        var pipeline = new Option<string?>("--pipeline", "-p") { Description = "Only this pipeline's (in --namespace)" };
        var stage = new Option<string?>("--stage") { Description = "Only this stage's" };
        var since = new Option<string?>("--since") { Description = "Failed at or after: a time (2026-11-28T10:00:00Z) or an age (30m, 2h, 7d)" };
        var until = new Option<string?>("--until") { Description = "Failed before: a time or an age" };
        var error = new Option<string?>("--error") { Description = "Error text contains (case-insensitive)" };
        System.CommandLine.Option[] filters = [pipeline, stage, since, until, error];

        DeadLetterFilter Filter(ParseResult parse)
        {
            var filter = new DeadLetterFilter { Stage = parse.GetValue(stage) ?? string.Empty, ErrorContains = parse.GetValue(error) ?? string.Empty };
            if (filter.Stage.Length > 0) ObjectNames.Check([filter.Stage], "stage");
            if (parse.GetValue(global.Namespace) is { } ns) ObjectNames.Check([ns], "namespace");
            if (parse.GetValue(pipeline) is { } name)
            {
                ObjectNames.Check([name], "pipeline");
                filter.Pipeline = new PipelineRef { Namespace = global.NamespaceOr(parse, "default"), Name = name };
            }

            if (parse.GetValue(since) is { } s) filter.Since = Time("--since", s);
            if (parse.GetValue(until) is { } u) filter.Until = Time("--until", u);
            return filter;
        }

        var limit = new Option<int>("--limit") { Description = "At most this many (1-1000)", DefaultValueFactory = _ => 100 };
        var output = new Option<string?>("--output", "-o") { Description = "json for the full records" };
        var list = Examples.Command("list", "List dead letters, newest last.", "etlctl dlq list -p orders --since 2h", "etlctl dlq list --error timeout -o json");
        foreach (var f in filters) list.Options.Add(f);
        list.Options.Add(limit);
        list.Options.Add(output);
        list.Run(global.Console, async (parse, cancellationToken) =>
        {
            using var router = global.RequireRouter(parse);
            var max = parse.GetValue(limit);
            if (max is < 1 or > 1000) throw new CliException("--limit: give a number from 1 to 1000", ExitCodes.Usage);
            var page = await router.CallAsync(async () => await router.DeadLetters.ListAsync(new ListDeadLettersRequest { Filter = Filter(parse), Limit = (uint)max }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            if (parse.GetValue(output) == "json")
            {
                global.Console.Out.Write(Serialization.Json(System.Text.Json.Nodes.JsonNode.Parse(JsonFormatter.Default.Format(page))!));
                return ExitCodes.Success;
            }

            if (page.DeadLetters.Count == 0)
            {
                global.Console.Error.WriteLine("No dead letters match.");
                return ExitCodes.Success;
            }

            TableWriter.Write(global.Console, ["Id", "Pipeline", "Stage", "Attempts", "State", "Last Failed", "Error"], page.DeadLetters.Select(d => (IReadOnlyList<string>)
            [
                d.Id, $"{d.Pipeline.Namespace}/{d.Pipeline.Name}", d.Stage, $"{d.Attempts}", State(d.State),
                d.LastFailedAt?.ToDateTime().ToString("u", CultureInfo.InvariantCulture) ?? string.Empty, d.Error,
            ]));
            if (page.Total > page.DeadLetters.Count) global.Console.Error.WriteLine($"{page.DeadLetters.Count} of {page.Total} shown; narrow the filters or raise --limit");
            return ExitCodes.Success;
        });

        var id = new Argument<string>("id") { Description = "The dead letter's id" };
        var show = Examples.Command("show", "Show one dead letter with its record.", "etlctl dlq show dl-4f2a");
        show.Arguments.Add(id);
        show.Run(global.Console, async (parse, cancellationToken) =>
        {
            using var router = global.RequireRouter(parse);
            var page = await router.CallAsync(async () => await router.DeadLetters.ListAsync(new ListDeadLettersRequest { Filter = new DeadLetterFilter { Ids = { parse.GetValue(id)! } }, Limit = 1 }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            var letter = page.DeadLetters.FirstOrDefault() ?? throw new CliException($"dead letter {parse.GetValue(id)} not found");
            var json = System.Text.Json.Nodes.JsonNode.Parse(JsonFormatter.Default.Format(letter))!;
            global.Console.Out.Write(Serialization.Yaml(json));
            if (letter.Record?.Value is { Length: > 0 } value)
                global.Console.Line($"value (utf-8): {value.ToStringUtf8()}");
            return ExitCodes.Success;
        });

        var yes = new Option<bool>("--yes", "-y") { Description = "Purge without a filter (every dead letter)" };
        var replay = Examples.Command("replay", "Send matching dead letters back to the stage that failed them.", "etlctl dlq replay -p orders --stage enrich", "etlctl dlq replay --error 'lookup failed' --since 1h");
        var purge = Examples.Command("purge", "Delete matching dead letters for good.", "etlctl dlq purge -p orders --until 7d", "etlctl dlq purge --yes");
        foreach (var f in filters)
        {
            replay.Options.Add(f);
            purge.Options.Add(f);
        }

        purge.Options.Add(yes);
        var replayDryRun = DryRun.Option("how many dead letters would be replayed");
        var purgeDryRun = DryRun.Option("how many dead letters would be purged");
        replay.Options.Add(replayDryRun);
        purge.Options.Add(purgeDryRun);
        replay.Run(global.Console, async (parse, cancellationToken) =>
        {
            var filter = Filter(parse);
            using var router = global.RequireRouter(parse);
            if (parse.Mode(replayDryRun) is var mode && mode != DryRunMode.None)
            {
                global.Console.Done($"{await CountAsync(router, filter, cancellationToken)} dead letter(s) would be queued for replay{mode.Suffix()}");
                return ExitCodes.Success;
            }

            var done = await router.CallAsync(async () => await router.DeadLetters.ReplayAsync(new ReplayDeadLettersRequest { Filter = filter }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            global.Console.Done($"{done.Requested} dead letter(s) queued for replay");
            return ExitCodes.Success;
        });
        purge.Run(global.Console, async (parse, cancellationToken) =>
        {
            var filter = Filter(parse);
            if (filter.Equals(new DeadLetterFilter()) && !parse.GetValue(yes))
                throw new CliException("purge without a filter deletes every dead letter; add filters or --yes", ExitCodes.Usage);
            using var router = global.RequireRouter(parse);
            if (parse.Mode(purgeDryRun) is var mode && mode != DryRunMode.None)
            {
                global.Console.Done($"{await CountAsync(router, filter, cancellationToken)} dead letter(s) would be purged{mode.Suffix()}");
                return ExitCodes.Success;
            }

            var done = await router.CallAsync(async () => await router.DeadLetters.PurgeAsync(new PurgeDeadLettersRequest { Filter = filter }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
            global.Console.Done($"{done.Purged} dead letter(s) purged");
            return ExitCodes.Success;
        });

        var command = new Command("dlq", "The dead letter queue: records that failed every retry.");
        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(replay);
        command.Subcommands.Add(purge);
        return command;
    }

    /// <summary>How many dead letters match: what a replay or purge would act on.</summary>
    private static async Task<uint> CountAsync(Targets.RouterTarget router, DeadLetterFilter filter, CancellationToken cancellationToken) =>
        (await router.CallAsync(async () => await router.DeadLetters.ListAsync(new ListDeadLettersRequest { Filter = filter, Limit = 1 }, deadline: Targets.RouterTarget.Deadline(), cancellationToken: cancellationToken))).Total;

    /// <summary>An RFC 3339 time, or an age back from now (90s, 30m, 2h, 7d).</summary>
    public static Timestamp Time(string option, string text)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return Timestamp.FromDateTimeOffset(at);
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            TimeSpan? age = text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => null };
            if (age is { } a) return Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - a);
        }

        throw new CliException($"{option}: '{text}' is not a time (2026-11-28T10:00:00Z) or an age (30m, 2h, 7d)", ExitCodes.Usage);
    }

    private static string State(DeadLetterState state) => state switch
    {
        DeadLetterState.ReplayRequested => "replay-requested",
        DeadLetterState.Failed => "failed",
        _ => state.ToString().ToLowerInvariant(),
    };
}
