using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Resources;

/// <summary>
/// What a user may type for a kind, as kubectl accepts it: the plural, the singular, the kind (full or short,
/// any case) and the CRD's short names. "pipelines", "pipeline", "etlp", "Pipeline" and "EtlPipeline" are one kind.
/// </summary>
internal static class ResourceKinds
{
    private static readonly Dictionary<string, EntityMetadata> ByName = Build();

    public static IEnumerable<EntityMetadata> All => EtlKinds.All.Select(EntityMetadata.For);

    public static EntityMetadata Resolve(string text) =>
        ByName.TryGetValue(text.ToLowerInvariant(), out var meta)
            ? meta
            : throw new CliException($"unknown kind '{text}'; use one of: {string.Join(", ", All.Select(m => m.Plural))} (or their short names)", ExitCodes.Usage);

    private static Dictionary<string, EntityMetadata> Build()
    {
        var names = new Dictionary<string, EntityMetadata>(StringComparer.Ordinal);
        foreach (var meta in EtlKinds.All.Select(EntityMetadata.For))
        {
            var shortKind = meta.Kind.StartsWith("Etl", StringComparison.Ordinal) ? meta.Kind[3..] : meta.Kind;
            foreach (var name in new[] { meta.Plural, meta.Singular, meta.Kind, shortKind, shortKind + "s" }.Concat(meta.ShortNames))
                names[name.ToLowerInvariant()] = meta;
        }

        return names;
    }
}
