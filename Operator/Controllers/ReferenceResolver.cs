using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Pipelines.Graph;
using EtlRouter.Pipelines.Rules;

namespace EtlRouter.Operator.Controllers;

/// <summary>Finds the EtlSource, EtlTransform and EtlSink each stage names, in the pipeline's namespace.</summary>
internal sealed class ReferenceResolver(IEntityCache<EtlSource> sources, IEntityCache<EtlTransform> transforms, IEntityCache<EtlSink> sinks)
{
    public (IReadOnlyDictionary<string, IServiceEntity> Resolved, IReadOnlyList<ValidationIssue> Missing) Resolve(string @namespace, PipelineGraph graph)
    {
        var resolved = new Dictionary<string, IServiceEntity>(StringComparer.Ordinal);
        var missing = new List<ValidationIssue>();
        foreach (var stage in graph.Stages)
        {
            var key = new EntityKey(@namespace, stage.ServiceRef);
            IServiceEntity? found = stage.Kind switch
            {
                ServiceKind.Source => sources.Get(key),
                ServiceKind.Transform => transforms.Get(key),
                _ => sinks.Get(key),
            };

            if (found is null)
                missing.Add(new(stage.RefPath, $"Etl{stage.Kind} '{stage.ServiceRef}' not found in namespace '{@namespace}'; create it or correct the name"));
            else
                resolved[stage.Name] = found;
        }

        return (resolved, missing);
    }

    /// <summary>Whether a pipeline's spec names the given service (used to wake pipelines when it appears).</summary>
    public static bool References(EtlPipeline pipeline, ServiceKind kind, string name)
    {
        var spec = pipeline.Spec;
        return kind switch
        {
            ServiceKind.Source => spec.Source == name || (spec.Stages?.Any(s => s.Source == name) ?? false),
            ServiceKind.Transform => (spec.Steps?.Contains(name) ?? false) || (spec.Stages?.Any(s => s.Transform == name) ?? false),
            _ => spec.Sink == name || (spec.Stages?.Any(s => s.Sink == name) ?? false),
        };
    }
}
