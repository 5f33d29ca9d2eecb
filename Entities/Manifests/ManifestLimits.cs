namespace EtlRouter.Entities.Manifests;

/// <summary>
/// What one manifest may be, so that a hostile file (an alias bomb, deep nesting, a huge scalar, binary data)
/// is refused in well under a second and a few MiB instead of eating the machine. Each bound is far above any
/// real pipeline; each refusal names the bound.
/// </summary>
public sealed record ManifestLimits
{
    /// <summary>The limits every reader of manifests uses (etlctl validate, apply, graph, delete -f).</summary>
    public static ManifestLimits Default { get; } = new();

    /// <summary>A file (or standard input): larger ones are refused before they are read.</summary>
    public long MaxFileBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>One document: the API server stores no larger object (etcd's 1.5 MiB request limit).</summary>
    public int MaxDocumentCharacters { get; init; } = 1536 * 1024;

    /// <summary>Documents in one file or stream.</summary>
    public int MaxDocuments { get; init; } = 10_000;

    /// <summary>Nesting of mappings and sequences, as the admission webhook's JSON reader allows.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Nodes that aliases may add to one document when they are expanded (the "billion laughs" bound).</summary>
    public int MaxAliasNodes { get; init; } = 50_000;
}
