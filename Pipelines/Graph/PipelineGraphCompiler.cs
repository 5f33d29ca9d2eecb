using EtlRouter.Pipelines.Rules;

namespace EtlRouter.Pipelines.Graph;

/// <summary>
/// Turns a pipeline as written (<see cref="PipelineForm"/>: linear or graph form) into a <see cref="PipelineGraph"/>, refusing what a schema
/// cannot see: mixed forms and stages that name no service here, and everything <see cref="PipelineGraphRules"/>
/// refuses in any pipeline (duplicate or unknown stage names, sources with inputs, sinks with outputs, cycles,
/// stages whose records reach no sink).
/// </summary>
public static class PipelineGraphCompiler
{
    public static GraphCompilation Compile(PipelineForm spec)
    {
        var issues = new List<ValidationIssue>();
        var stages = ReadStages(spec, issues);
        if (issues.Count > 0)
            return new(null, issues);

        var linear = spec.Stages is null;
        var ordered = PipelineGraphRules.Check(stages, (stage, index) => linear ? stage.RefPath : $"spec.stages[{index}]", "spec.stages", issues);
        return ordered is null ? new(null, issues) : new(new PipelineGraph(ordered), issues);
    }

    /// <summary>
    /// The stages a spec declares, in declaration order, before any graph rule is applied; what keeps a spec from
    /// naming stages at all (mixed or missing forms, a stage with no or two services) goes into
    /// <paramref name="issues"/>.
    /// </summary>
    public static IReadOnlyList<PipelineStage> ReadStages(PipelineForm spec, List<ValidationIssue> issues)
    {
        var linear = spec.Source is not null || spec.Sink is not null || spec.Steps is not null;
        var graph = spec.Stages is not null;
        if (linear && graph)
        {
            issues.Add(new("spec", "both the linear form (source/steps/sink) and the graph form (stages) are set; keep one of them"));
            return [];
        }

        if (!linear && !graph)
        {
            issues.Add(new("spec", "no pipeline is defined; set source, steps and sink (linear form) or stages (graph form)"));
            return [];
        }

        return linear ? FromLinear(spec, issues) : FromGraph(spec.Stages!, issues);
    }

    private static List<PipelineStage> FromLinear(PipelineForm spec, List<ValidationIssue> issues)
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

    private static List<PipelineStage> FromGraph(IReadOnlyList<StageForm?> specs, List<ValidationIssue> issues)
    {
        var stages = new List<PipelineStage>();
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

            var conditions = stage.When is { Count: > 0 } when ? new Dictionary<string, string>(when, StringComparer.Ordinal) : null;
            stages.Add(new(stage.Name, kind, reference, (stage.Inputs ?? []).ToList(), stage.Replicas ?? 1, $"{path}.{field}", conditions));
        }

        return stages;
    }
}
