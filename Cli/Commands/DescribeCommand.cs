using System.CommandLine;
using System.Text.Json.Nodes;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Resources;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl describe KIND NAME: spec, conditions, stages and where they run, throughput, dead letters, events.</summary>
internal static class DescribeCommand
{
    public static Command Create(GlobalOptions global)
    {
        var kind = new Argument<string>("kind") { Description = "pipeline, source, transform, sink, routercluster (or a short name)" };
        var name = new Argument<string>("name") { Description = "The object's name" };
        var command = Examples.Command("describe",
            "Show one resource in detail: its spec, conditions, stages and the pods they run on, records in and out, dead letters and recent events.",
            "etlctl describe pipeline user-analytics",
            "etlctl describe etlsrc kafka-users -n data",
            "etlctl describe pipeline demo --router 127.0.0.1:50051");
        command.Arguments.Add(kind);
        command.Arguments.Add(name);
        command.Run(global.Console, async (parse, cancellationToken) =>
        {
            var meta = ResourceKinds.Resolve(parse.GetValue(kind)!);
            var wanted = parse.GetValue(name)!;
            ObjectNames.Check([wanted]);
            if (global.RouterIfAsked(parse) is { } router)
            {
                using (router)
                {
                    if (meta.Type != typeof(EtlPipeline)) throw new CliException($"the router holds pipelines only; describe {meta.Plural} through Kubernetes (drop --router)", ExitCodes.Usage);
                    var ns = global.NamespaceOr(parse, "default");
                    var state = await router.CallAsync(async () => await router.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = ns, Name = wanted } }, deadline: RouterTarget.Deadline(), cancellationToken: cancellationToken));
                    DescribeRouterPipeline(global.Console, state);
                    return ExitCodes.Success;
                }
            }

            using var kube = global.Kubernetes(parse);
            var resources = new CustomResources(kube);
            var namespaceName = global.NamespaceOr(parse, kube.DefaultNamespace);
            var item = await resources.GetAsync(meta, namespaceName, wanted, cancellationToken)
                ?? throw new CliException($"{meta.Plural}.{meta.Group} \"{wanted}\" not found in namespace {namespaceName}");
            var events = await resources.EventsAsync(namespaceName, meta.Kind, wanted, cancellationToken);
            Describe(global.Console, meta.Kind, item, events, DateTimeOffset.UtcNow);
            return ExitCodes.Success;
        });
        return command;
    }

    public static void Describe(CliConsole console, string kind, JsonObject item, IReadOnlyList<k8s.Models.Corev1Event> events, DateTimeOffset now)
    {
        var metadata = item["metadata"]!;
        Field(console, "Name", metadata["name"]?.ToString());
        Field(console, "Namespace", metadata["namespace"]?.ToString());
        Field(console, "Kind", kind);
        Field(console, "Labels", Pairs(metadata["labels"] as JsonObject));
        Field(console, "Created", metadata["creationTimestamp"]?.ToString());
        Field(console, "Generation", metadata["generation"]?.ToString());
        console.Line("Spec:");
        foreach (var line in Serialization.Yaml(item["spec"] ?? new JsonObject()).TrimEnd('\n').Split('\n')) console.Line("  " + line);

        var status = item["status"] as JsonObject ?? [];
        console.Line("Conditions:");
        var conditions = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (conditions.Count == 0) console.Line("  <none>");
        else Indented(console, ["Type", "Status", "Reason", "Message"], conditions.Select(c => (IReadOnlyList<string>)[$"{c["type"]}", $"{c["status"]}", $"{c["reason"]}", $"{c["message"]}"]));

        if (status["stages"] is JsonArray stages)
        {
            console.Line("Stages:");
            if (stages.Count == 0) console.Line("  <none>");
            else Indented(console, ["Stage", "Kind", "Service", "Runs On"], stages.OfType<JsonObject>().Select(s => (IReadOnlyList<string>)
            [
                $"{s["name"]}", $"{s["kind"]}", $"{s["service"]}",
                (s["assignments"] as JsonArray ?? []).OfType<JsonObject>().Select(a => $"{a["pod"]}").Where(p => p.Length > 0) is var pods && pods.Any() ? string.Join(", ", pods) : "<not assigned>",
            ]));
        }

        if (kind == nameof(EtlPipeline))
        {
            console.Line("Throughput:");
            console.Line($"  Records in:    {status["recordsIn"] ?? 0}");
            console.Line($"  Records out:   {status["recordsOut"] ?? 0}");
            console.Line($"  Dead letters:  {status["dlqCount"] ?? 0}");
        }

        console.Line("Events:");
        if (events.Count == 0) console.Line("  <none>");
        else Indented(console, ["Type", "Reason", "Age", "Message"], events.TakeLast(10).Select(e => (IReadOnlyList<string>)
        [
            e.Type ?? string.Empty, e.Reason ?? string.Empty,
            Age.Format(now - (e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp ?? now.UtcDateTime)), e.Message ?? string.Empty,
        ]));
    }

    private static void DescribeRouterPipeline(CliConsole console, PipelineState state)
    {
        var definition = state.Definition;
        Field(console, "Name", definition.Ref.Name);
        Field(console, "Namespace", definition.Ref.Namespace);
        Field(console, "Generation", $"{definition.Generation}");
        Field(console, "Dead letters", definition.Dlq is { } dlq ? $"enabled={dlq.Enabled}, maxRetries={dlq.MaxRetries}, maxRecords={dlq.MaxRecords}" : "the router's defaults");
        Field(console, "Flow control", definition.FlowControl is { } flow ? $"maxInFlight={flow.MaxInFlight}, maxInFlightBytes={flow.MaxInFlightBytes}, batchSize={flow.BatchSize}" : "the router's defaults");
        console.Line("Stages:");
        Indented(console, ["Stage", "Kind", "Service", "Inputs", "Runs On", "In", "Out", "Failed"], state.Stages.Select(s => (IReadOnlyList<string>)
        [
            s.Name, s.Kind.ToString(), s.Service, string.Join(",", definition.Stages.FirstOrDefault(d => d.Name == s.Name)?.Inputs ?? []),
            s.Assignments.Count > 0 ? string.Join(", ", s.Assignments.Select(a => a.Pod.Length > 0 ? a.Pod : a.SidecarId)) : $"<not assigned: {s.UnassignedReason}>",
            $"{s.RecordsIn}", $"{s.RecordsOut}", $"{s.RecordsFailed}",
        ]));
        console.Line("Edges:");
        if (state.Edges.Count == 0) console.Line("  <none>");
        else Indented(console, ["Edge", "Budget", "Credits", "Backlog", "Throttled"], state.Edges.Select(e => (IReadOnlyList<string>)
            [$"{e.FromStage}->{e.ToStage}", $"{e.BudgetRecords}", $"{e.CreditsRecords}", $"{e.Backlog}", e.Throttled ? "yes" : "no"]));
        console.Line("Throughput:");
        console.Line($"  Records in:    {state.RecordsIn}");
        console.Line($"  Records out:   {state.RecordsOut}");
        console.Line($"  Dead letters:  {state.DeadLetters}");
    }

    private static void Field(CliConsole console, string name, string? value) => console.Line($"{name + ":",-14}{(string.IsNullOrEmpty(value) ? "<none>" : value)}");

    private static string Pairs(JsonObject? pairs) => pairs is null || pairs.Count == 0 ? string.Empty : string.Join(",", pairs.Select(p => $"{p.Key}={p.Value}"));

    /// <summary>A table indented by two spaces under its heading.</summary>
    private static void Indented(CliConsole console, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var writer = new StringWriter();
        var inner = CliConsole.Plain(writer, TextWriter.Null, Math.Max(40, console.Console.Profile.Width - 2), console.Environment);
        TableWriter.Write(inner, headers, rows);
        foreach (var line in writer.ToString().TrimEnd('\n').Split('\n')) console.Line("  " + line.TrimEnd());
    }
}
