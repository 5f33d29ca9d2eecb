using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// The scheduler's invariant over a whole state: every pipeline's stored stages are exactly its defined stages,
/// and every group of shared stages obeys <see cref="AssignmentRule"/>. Holds after every applied command, on
/// every node; the tests check it after each step of long random histories.
/// </summary>
internal static class SchedulingInvariant
{
    /// <summary>Each way the state breaks the invariant, in words; empty when it holds.</summary>
    public static IReadOnlyList<string> Violations(IEnumerable<StoredPipeline> pipelines, IReadOnlyList<StoredSidecar> sidecars)
    {
        var violations = new List<string>();
        var members = new List<(string Pipeline, StageDefinition Definition, StoredStage Stored)>();
        foreach (var pipeline in pipelines)
        {
            var name = $"{pipeline.Definition.Ref.Namespace}/{pipeline.Definition.Ref.Name}";
            var defined = pipeline.Definition.Stages.Select(s => s.Name).ToList();
            var stored = pipeline.Stages.Select(s => s.Name).ToList();
            if (!defined.Order(StringComparer.Ordinal).SequenceEqual(stored.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                violations.Add($"{name}: stored stages [{string.Join(", ", stored)}] are not its defined stages [{string.Join(", ", defined)}]");
                continue;
            }

            members.AddRange(pipeline.Definition.Stages.Select(d => (name, d, pipeline.Stages.First(s => s.Name == d.Name))));
        }

        foreach (var group in members.GroupBy(m => SharedStageKey.Of(m.Pipeline[..m.Pipeline.IndexOf('/', StringComparison.Ordinal)], m.Definition)))
        {
            var first = group.First();
            var where = $"{first.Pipeline} stage {first.Definition.Name} (group of {group.Count()})";
            foreach (var other in group.Skip(1))
            {
                if (!other.Stored.Sidecars.SequenceEqual(first.Stored.Sidecars, StringComparer.Ordinal) || other.Stored.UnassignedReason != first.Stored.UnassignedReason)
                    violations.Add($"{where}: shares its service with {other.Pipeline} stage {other.Definition.Name} but runs on [{string.Join(", ", first.Stored.Sidecars)}], not [{string.Join(", ", other.Stored.Sidecars)}]");
            }

            var replicas = AssignmentRule.Replicas(group.Select(m => m.Definition));
            var candidates = AssignmentRule.Candidates(group.Key.Namespace, first.Definition, sidecars);
            if (!AssignmentRule.Holds(first.Definition, replicas, first.Stored, candidates))
            {
                var wanted = Math.Min(replicas, candidates.Count);
                violations.Add($"{where}: runs on [{string.Join(", ", first.Stored.Sidecars)}] saying '{first.Stored.UnassignedReason}', but the rule asks for "
                    + $"{wanted} distinct of the candidates [{string.Join(", ", candidates.Select(c => c.Registration.SidecarId))}] saying "
                    + $"'{AssignmentRule.Reason(first.Definition, replicas, wanted, candidates.Count)}'");
            }
        }

        return violations;
    }
}
