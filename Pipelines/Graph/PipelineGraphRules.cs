using EtlRouter.Contracts.Routing;
using EtlRouter.Pipelines.Rules;

namespace EtlRouter.Pipelines.Graph;

/// <summary>
/// What makes a set of stages a pipeline, whatever it was written as: a custom resource's linear or graph form
/// (<see cref="PipelineGraphCompiler"/>, used by the operator, the webhook and `etlctl validate`) or the router's
/// PipelineDefinition (its request validation). Unique names, limits, sources without and other stages with
/// inputs, inputs that exist and are not sinks, conditions on inputs that parse, no cycle, and every stage's output
/// reaching a sink. One home, so
/// no entry point accepts what another refuses.
/// </summary>
public static class PipelineGraphRules
{
    public const int MaxStages = 256;
    public const int MaxReplicas = 64;

    /// <summary>
    /// Checks <paramref name="stages"/> (in declaration order) and returns them in topological order, or null with
    /// the reasons in <paramref name="issues"/>. <paramref name="stagePath"/> names a stage's field for messages
    /// (spec.stages[2], spec.steps[0], pipeline.stages[2]); <paramref name="stagesPath"/> names the whole list.
    /// </summary>
    public static IReadOnlyList<PipelineStage>? Check(
        IReadOnlyList<PipelineStage> stages,
        Func<PipelineStage, int, string> stagePath,
        string stagesPath,
        List<ValidationIssue> issues)
    {
        var before = issues.Count;
        CheckNamesAndLimits(stages, stagePath, stagesPath, issues);
        if (issues.Count > before) return null;

        CheckShape(stages, stagePath, stagesPath, issues);
        if (issues.Count > before) return null;

        var ordered = TopologicalOrder(stages, stagePath, issues);
        if (ordered is null) return null;

        CheckReachability(stages, stagePath, issues);
        return issues.Count > before ? null : ordered;
    }

    private static void CheckNamesAndLimits(IReadOnlyList<PipelineStage> stages, Func<PipelineStage, int, string> stagePath, string stagesPath, List<ValidationIssue> issues)
    {
        if (stages.Count > MaxStages)
            issues.Add(new(stagesPath, $"{stages.Count} stages; a pipeline has at most {MaxStages}"));
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (!seen.TryAdd(stage.Name, i))
                issues.Add(new($"{stagePath(stage, i)}.name", $"duplicate stage name '{stage.Name}' (also {stagePath(stages[seen[stage.Name]], seen[stage.Name])}); stage names must be unique"));
            if (stage.Replicas is < 1 or > MaxReplicas)
                issues.Add(new($"{stagePath(stage, i)}.replicas", $"{stage.Replicas} replicas; use 1 to {MaxReplicas}"));
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < stage.Inputs.Count; j++)
            {
                if (!distinct.Add(stage.Inputs[j]))
                    issues.Add(new($"{stagePath(stage, i)}.inputs[{j}]", $"'{stage.Inputs[j]}' is listed twice; list each input once"));
            }
        }
    }

    private static void CheckShape(IReadOnlyList<PipelineStage> stages, Func<PipelineStage, int, string> stagePath, string stagesPath, List<ValidationIssue> issues)
    {
        var byName = stages.ToDictionary(s => s.Name, StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var path = stagePath(stage, i);
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

            CheckConditions(stage, path, issues);
        }

        if (!stages.Any(s => s.Kind == ServiceKind.Source))
            issues.Add(new(stagesPath, "no source stage; add a stage with source set"));
        if (!stages.Any(s => s.Kind == ServiceKind.Sink))
            issues.Add(new(stagesPath, "no sink stage; add a stage with sink set"));
    }

    private static void CheckConditions(PipelineStage stage, string path, List<ValidationIssue> issues)
    {
        foreach (var (input, condition) in stage.Conditions ?? new Dictionary<string, string>())
        {
            var at = $"{path}.when.{input}";
            if (!stage.Inputs.Contains(input, StringComparer.Ordinal))
                issues.Add(new(at, stage.Inputs.Count == 0
                    ? $"stage '{stage.Name}' has no inputs, so it has no input '{input}' to put a condition on; remove it"
                    : $"'{input}' is not an input of stage '{stage.Name}'; put conditions only on its inputs ({string.Join(", ", stage.Inputs)}), or add '{input}' to inputs"));
            else if (string.IsNullOrWhiteSpace(condition))
                issues.Add(new(at, $"the condition on input '{input}' of stage '{stage.Name}' is empty; write one such as region == 'eu', or remove it to take every record"));
            else if (!RecordCondition.TryParse(condition, out _, out var error))
                issues.Add(new(at, $"the condition on input '{input}' of stage '{stage.Name}' does not parse, {error!.Message}"));
        }
    }

    // Kahn's algorithm; what is left over sits on a cycle, which is reported by its path.
    private static List<PipelineStage>? TopologicalOrder(IReadOnlyList<PipelineStage> stages, Func<PipelineStage, int, string> stagePath, List<ValidationIssue> issues)
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

        var declared = stages.ToList();
        var cycle = FindCycle(declared.Where(s => !ordered.Contains(s)).ToList());

        // Start the cycle at its first declared stage, so the message matches the manifest's order.
        var start = cycle.Take(cycle.Count - 1).MinBy(name => declared.FindIndex(s => s.Name == name))!;
        var at = cycle.IndexOf(start);
        cycle = [.. cycle.Skip(at).Take(cycle.Count - 1 - at), .. cycle.Take(at), start];
        var first = declared.FindIndex(s => s.Name == cycle[0]);
        issues.Add(new($"{stagePath(declared[first], first)}.inputs", $"cycle {string.Join(" -> ", cycle)}; a pipeline must be acyclic, remove one of these inputs"));
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

    private static void CheckReachability(IReadOnlyList<PipelineStage> stages, Func<PipelineStage, int, string> stagePath, List<ValidationIssue> issues)
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
                issues.Add(new(stagePath(stage, i), $"the output of stage '{stage.Name}' reaches no sink; add it to the inputs of a downstream stage or remove it"));
        }
    }
}
