using System.Reflection;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s.Models;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.OperatorRuntime.Generation;

/// <summary>
/// Collects the RBAC attributes of an operator's controllers into merged ClusterRole rules, with what the runtime
/// itself needs (the leader election Lease) added, since every operator built on it needs that too.
/// </summary>
public static class RbacRuleCollector
{
    public static IReadOnlyList<V1PolicyRule> Collect(Assembly operatorAssembly)
    {
        var grants = new Dictionary<(string Group, string Resource), RbacVerb>();
        void Grant(string group, string resource, RbacVerb verbs) =>
            grants[(group, resource)] = grants.GetValueOrDefault((group, resource)) | verbs;

        foreach (var type in new[] { operatorAssembly, typeof(RbacRuleCollector).Assembly }.Distinct().SelectMany(a => a.GetTypes()))
        {
            foreach (var entity in type.GetCustomAttributes<EntityRbacAttribute>())
            {
                foreach (var entityType in entity.Entities)
                {
                    var meta = EntityMetadata.For(entityType);
                    Grant(meta.Group, meta.Plural, entity.Verbs);
                }
            }

            foreach (var generic in type.GetCustomAttributes<GenericRbacAttribute>())
            {
                foreach (var group in generic.Groups)
                {
                    foreach (var resource in generic.Resources)
                        Grant(group, resource, generic.Verbs);
                }
            }
        }

        // One rule per (group, verbs), resources sorted, so the output is stable and short.
        return grants
            .GroupBy(g => (g.Key.Group, g.Value))
            .OrderBy(g => g.Key.Group, StringComparer.Ordinal).ThenBy(g => (int)g.Key.Value)
            .Select(g => new V1PolicyRule
            {
                ApiGroups = [g.Key.Group],
                Resources = g.Select(x => x.Key.Resource).Order(StringComparer.Ordinal).ToList(),
                Verbs = Verbs(g.Key.Value),
            })
            .ToList();
    }

    private static List<string> Verbs(RbacVerb verbs) =>
        Enum.GetValues<RbacVerb>()
            .Where(v => v is not RbacVerb.None and not RbacVerb.All && verbs.HasFlag(v))
            .Select(v => v.ToString().ToLowerInvariant())
            .ToList();
}
