using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;

namespace EtlRouter.Entities.Graph;

/// <summary>
/// Turns a pipeline spec (linear or graph form) into a <see cref="PipelineGraph"/>, refusing what a schema
/// cannot see: mixed forms, duplicate or unknown stage names, sources with inputs, sinks with outputs,
/// cycles, and stages whose records reach no sink.
/// </summary>
public static class PipelineGraphCompiler
{
    public static GraphCompilation Compile(PipelineSpec spec)
    {
        var issues = new List<ValidationIssue>();
        var linear = spec.Source is not null || spec.Sink is not null || spec.Steps is not null;
        var graph = spec.Stages is not null;

        if (linear && graph)
        {
            issues.Add(new("spec", "both the linear form (source/steps/sink) and the graph form (stages) are set; keep one of them"));
            return new(null, issues);
        }

        if (!linear && !graph)
        {
            issues.Add(new("spec", "no pipeline is defined; set source, steps and sink (linear form) or stages (graph form)"));
            return new(null, issues);
        }

        var stages = linear ? FromLinear(spec, issues) : FromGraph(spec.Stages!, issues);
        if (issues.Count > 0)
            return new(null, issues);

        CheckShape(stages, linear, issues);
        if (issues.Count > 0)
            return new(null, issues);

        var ordered = TopologicalOrder(stages, linear, issues);
        if (ordered is null)
            return new(null, issues);

        CheckReachability(stages, linear, issues);
        return issues.Count > 0 ? new(null, issues) : new(new PipelineGraph(ordered), issues);
    }

    private static List<PipelineStage> FromLinear(PipelineSpec spec, List<ValidationIssue> issues)
    {
        if (string.IsNullOrWhiteSpace(spec.Source))
            issues.Add(new("spec.source", "is required in the linear form; name the EtlSource records come from"));
        if (string.IsNullOrWhiteSpace(spec.Sink))
            issues.Add(new("spec.sink", "is required in the linear form; name the EtlSink records go to"));
        if (spec.Steps is { Count: 0 })
            issues.Add(new("spec.steps", "is empty; list at least one EtlTransform, or remove steps for a source-to-sink pipeline"));

        var steps = spec.Steps ?? [];
        for (var i = 0; i < steps.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(steps[i]))
                issues.Add(new($"spec.steps[{i}]", "is empty; name an EtlTransform in the pipeline's namespace"));
        }

        if (issues.Count > 0)
            return [];

        // Stage names follow the referenced resources; a name used twice gets a numeric suffix.
        var used = new HashSet<string>(StringComparer.Ordinal);
        string UniqueName(string reference)
        {
            var name = reference;
            for (var n = 2; !used.Add(name); n++)
                name = $"{reference}-{n}";
            return name;
        }

        var stages = new List<PipelineStage>();
        var previous = UniqueName(spec.Source!);
        stages.Add(new(previous, ServiceKind.Source, spec.Source!, [], 1, "spec.source"));
        for (var i = 0; i < steps.Count; i++)
        {
            var name = UniqueName(steps[i]);
            stages.Add(new(name, ServiceKind.Transform, steps[i], [previous], 1, $"spec.steps[{i}]"));
            previous = name;
        }

        stages.Add(new(UniqueName(spec.Sink!), ServiceKind.Sink, spec.Sink!, [previous], 1, "spec.sink"));
        return stages;
    }

    private static List<PipelineStage> FromGraph(IList<PipelineStageSpec> specs, List<ValidationIssue> issues)
    {
        var stages = new List<PipelineStage>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < specs.Count; i++)
        {
            var path = $"spec.stages[{i}]";
            var stage = specs[i];
            if (stage is null)
            {
                issues.Add(new(path, "is empty; give the stage a name and one of source, transform or sink"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(stage.Name))
            {
                issues.Add(new($"{path}.name", "is required; give every stage a name unique in the pipeline"));
                continue;
            }

            if (!seen.TryAdd(stage.Name, i))
            {
                issues.Add(new($"{path}.name", $"duplicate stage name '{stage.Name}' (also spec.stages[{seen[stage.Name]}]); stage names must be unique"));
                continue;
            }

            var kinds = new List<(ServiceKind Kind, string Ref, string Field)>();
            if (stage.Source is not null) kinds.Add((ServiceKind.Source, stage.Source, "source"));
            if (stage.Transform is not null) kinds.Add((ServiceKind.Transform, stage.Transform, "transform"));
            if (stage.Sink is not null) kinds.Add((ServiceKind.Sink, stage.Sink, "sink"));
            if (kinds.Count != 1)
            {
                issues.Add(new(path, kinds.Count == 0
                    ? $"stage '{stage.Name}' names no service; set exactly one of source, transform or sink"
                    : $"stage '{stage.Name}' sets {string.Join(" and ", kinds.Select(k => k.Field))}; set exactly one of source, transform or sink"));
                continue;
            }

            var (kind, reference, field) = kinds[0];
            if (string.IsNullOrWhiteSpace(reference))
            {
                issues.Add(new($"{path}.{field}", $"is empty; name an Etl{kind} in the pipeline's namespace"));
                continue;
            }

            var inputs = stage.Inputs ?? [];
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < inputs.Count; j++)
            {
                if (!distinct.Add(inputs[j]))
                    issues.Add(new($"{path}.inputs[{j}]", $"'{inputs[j]}' is listed twice; list each input once"));
            }

            stages.Add(new(stage.Name, kind, reference, inputs.ToList(), stage.Replicas ?? 1, $"{path}.{field}"));
        }

        return stages;
    }

    private static void CheckShape(List<PipelineStage> stages, bool linear, List<ValidationIssue> issues)
    {
        var byName = stages.ToDictionary(s => s.Name, StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var path = StagePath(stage, i, linear);
            if (stage.Kind == ServiceKind.Source && stage.Inputs.Count > 0)
                issues.Add(new($"{path}.inputs", $"source stage '{stage.Name}' has inputs; a source produces records and consumes none, remove its inputs"));
            if (stage.Kind != ServiceKind.Source && stage.Inputs.Count == 0)
                issues.Add(new($"{path}.inputs", $"{stage.Kind.ToString().ToLowerInvariant()} stage '{stage.Name}' has no inputs; list the stages it consumes"));

            for (var j = 0; j < stage.Inputs.Count; j++)
            {
                var input = stage.Inputs[j];
                if (!byName.TryGetValue(input, out var upstream))
                    issues.Add(new($"{path}.inputs[{j}]", $"no stage named '{input}'; use one of: {string.Join(", ", byName.Keys)}"));
                else if (upstream.Kind == ServiceKind.Sink)
                    issues.Add(new($"{path}.inputs[{j}]", $"'{input}' is a sink and a sink has no outputs; take the input from the stage before it"));
            }
        }

        if (!stages.Any(s => s.Kind == ServiceKind.Source))
            issues.Add(new("spec.stages", "no source stage; add a stage with source set"));
        if (!stages.Any(s => s.Kind == ServiceKind.Sink))
            issues.Add(new("spec.stages", "no sink stage; add a stage with sink set"));
    }

    // Kahn's algorithm; what is left over sits on a cycle, which is reported by its path.
    private static List<PipelineStage>? TopologicalOrder(List<PipelineStage> stages, bool linear, List<ValidationIssue> issues)
    {
        var remaining = stages.ToDictionary(s => s.Name, s => s.Inputs.Count, StringComparer.Ordinal);
        var ordered = new List<PipelineStage>(stages.Count);
        var ready = new Queue<PipelineStage>(stages.Where(s => s.Inputs.Count == 0));
        while (ready.Count > 0)
        {
            var stage = ready.Dequeue();
            ordered.Add(stage);
            foreach (var next in stages.Where(s => s.Inputs.Contains(stage.Name)))
            {
                if (--remaining[next.Name] == 0)
                    ready.Enqueue(next);
            }
        }

        if (ordered.Count == stages.Count)
            return ordered;

        var cycle = FindCycle(stages.Where(s => !ordered.Contains(s)).ToList());

        // Start the cycle at its first declared stage, so the message matches the manifest's order.
        var start = cycle.Take(cycle.Count - 1).MinBy(name => stages.FindIndex(s => s.Name == name))!;
        var at = cycle.IndexOf(start);
        cycle = [.. cycle.Skip(at).Take(cycle.Count - 1 - at), .. cycle.Take(at), start];
        var first = stages.FindIndex(s => s.Name == cycle[0]);
        issues.Add(new(linear ? "spec" : $"spec.stages[{first}].inputs",
            $"cycle {string.Join(" -> ", cycle)}; a pipeline must be acyclic, remove one of these inputs"));
        return null;
    }

    private static List<string> FindCycle(List<PipelineStage> candidates)
    {
        var byName = candidates.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var path = new List<string>();
        var current = candidates[0];
        while (!path.Contains(current.Name))
        {
            path.Add(current.Name);
            current = byName[current.Inputs.First(byName.ContainsKey)];
        }

        // Walking inputs goes upstream; reverse to read in the direction records flow.
        var cycle = path.Skip(path.IndexOf(current.Name)).Reverse().ToList();
        cycle.Add(cycle[0]);
        return cycle;
    }

    private static void CheckReachability(List<PipelineStage> stages, bool linear, List<ValidationIssue> issues)
    {
        var reachesSink = new HashSet<string>(stages.Where(s => s.Kind == ServiceKind.Sink).Select(s => s.Name), StringComparer.Ordinal);
        bool grew;
        do
        {
            grew = false;
            foreach (var stage in stages.Where(s => reachesSink.Contains(s.Name)).ToList())
            {
                foreach (var input in stage.Inputs)
                    grew |= reachesSink.Add(input);
            }
        }
        while (grew);

        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (!reachesSink.Contains(stage.Name))
                issues.Add(new(StagePath(stage, i, linear), $"the output of stage '{stage.Name}' reaches no sink; add it to the inputs of a downstream stage or remove it"));
        }
    }

    private static string StagePath(PipelineStage stage, int index, bool linear) =>
        linear ? stage.RefPath : $"spec.stages[{index}]";
}
