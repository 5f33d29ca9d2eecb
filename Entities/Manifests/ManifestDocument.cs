using System.Text.Json.Nodes;
using EtlRouter.Pipelines.Rules;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Manifests;

/// <summary>One YAML document of a manifest file: what it declared, the entity read from it, and what is wrong.</summary>
/// <param name="Origin">The file (or "-" for standard input).</param>
/// <param name="Index">The document's position in the file, from 1.</param>
/// <param name="Line">The line the document starts on.</param>
/// <param name="Kind">The full kind (EtlPipeline, ...), when it is one of ours.</param>
/// <param name="Json">The document as JSON, with short kinds replaced by full ones.</param>
/// <param name="Entity">The typed entity, when the document could be read.</param>
/// <param name="Issues">Everything wrong with it; empty when it is valid.</param>
public sealed record ManifestDocument(
    string Origin,
    int Index,
    int Line,
    string? Kind,
    JsonObject? Json,
    IKubernetesObject<V1ObjectMeta>? Entity,
    IReadOnlyList<ValidationIssue> Issues)
{
    public bool IsValid => Issues.Count == 0 && Entity is not null;

    /// <summary>Where the document is, for messages: "pipeline.yaml, document 2 (line 14)".</summary>
    public string Location => $"{Origin}, document {Index} (line {Line})";
}
