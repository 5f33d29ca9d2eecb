using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Schema;
using EtlRouter.Entities.Validation;
using EtlRouter.OperatorRuntime.Abstractions.Entities;
using EtlRouter.Pipelines.Rules;
using YamlDotNet.Core;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Manifests;

/// <summary>
/// Reads multi-document YAML manifests the way the API server and the validating webhook will judge them:
/// apiVersion and kind, the CRD's structural schema (unknown fields, types, ranges), then our validators.
/// Short kinds (Source, Transform, Sink, Pipeline) are read as the full ones.
/// </summary>
public static class ManifestReader
{
    private static readonly Dictionary<Type, V1JSONSchemaProps> Schemas = EtlKinds.All.ToDictionary(
        t => t, t => CrdBuilder.Build(t).Spec.Versions[0].Schema.OpenAPIV3Schema);

    /// <summary>
    /// Reads every document of a manifest's text. Throws <see cref="ManifestRefusedException"/> when the text breaks
    /// one of <paramref name="limits"/> (default <see cref="ManifestLimits.Default"/>); read files through
    /// <see cref="ManifestSource"/> first, which bounds their size.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> Read(string yaml, string origin, ManifestLimits? limits = null)
    {
        IReadOnlyList<YamlToJson.Document> parsed;
        try
        {
            parsed = YamlToJson.ReadDocuments(yaml, origin, limits ?? ManifestLimits.Default);
        }
        catch (YamlException e)
        {
            return [new(origin, 1, (int)e.Start.Line, null, null, null,
                [new ValidationIssue("(document)", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}")])];
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this for some unterminated flow collections.
            return [new(origin, 1, 1, null, null, null, [new ValidationIssue("(document)", $"invalid YAML: {e.Message}")])];
        }

        var documents = new List<ManifestDocument>();
        var index = 0;
        foreach (var document in parsed)
        {
            if (document.IsEmpty)
                continue;
            index++;
            documents.Add(document switch
            {
                { Error: { } error } => new(origin, index, document.Line, null, null, null, [new("(document)", error)]),
                { Root: JsonObject obj } => Check(obj, origin, index, document.Line),
                _ => new(origin, index, document.Line, null, null, null, [new("(document)", "is not a mapping; a manifest has apiVersion, kind, metadata and spec")]),
            });
        }

        return documents;
    }

    /// <summary>Reads one object already in JSON form (from the API server or an AdmissionReview).</summary>
    public static ManifestDocument ReadJson(JsonObject json, string origin) => Check(json, origin, 1, 1);

    private static ManifestDocument Check(JsonObject obj, string origin, int index, int line)
    {
        var issues = new List<ValidationIssue>();
        var apiVersion = (obj["apiVersion"] as JsonValue)?.ToString();
        var kindText = (obj["kind"] as JsonValue)?.ToString();
        var type = EtlKinds.Find(kindText);

        if (apiVersion is null)
            issues.Add(new("apiVersion", $"is required; use {EtlApi.ApiVersion}"));
        else if (apiVersion != EtlApi.ApiVersion)
            issues.Add(new("apiVersion", $"'{apiVersion}' is not served; use {EtlApi.ApiVersion}"));

        if (kindText is null)
            issues.Add(new("kind", "is required; use EtlSource, EtlTransform, EtlSink, EtlPipeline or EtlRouterCluster"));
        else if (type is null)
            issues.Add(new("kind", $"'{kindText}' is not a kind of {EtlApi.Group}; use one of {string.Join(", ", EtlKinds.Names)}"));

        if (type is null || issues.Count > 0)
            return new(origin, index, line, type is null ? null : EntityMetadata.For(type).Kind, obj, null, issues);

        var kind = EntityMetadata.For(type).Kind;
        obj["kind"] = kind;

        var schemaIssues = StructuralValidator.Validate(obj, Schemas[type]);
        IKubernetesObject<V1ObjectMeta>? entity;
        try
        {
            entity = EntityJson.Deserialize(obj.ToJsonString(), type);
        }
        catch (JsonException e)
        {
            // Type errors stop deserialization; the schema's messages say what is wrong.
            var fallback = schemaIssues.Count > 0 ? schemaIssues : [new(e.Path?.TrimStart('$', '.') ?? "(document)", $"cannot be read: {e.Message}")];
            return new(origin, index, line, kind, obj, null, fallback);
        }

        if (entity is null)
            return new(origin, index, line, kind, obj, null, [new("(document)", "is empty")]);

        // Where our validators and the schema both object to a field, ours says more about what to do.
        var semantic = EntityValidator.Validate(entity);
        var explained = semantic.Select(i => i.Path).ToHashSet(StringComparer.Ordinal);
        issues.AddRange(schemaIssues.Where(i => !explained.Contains(i.Path)));
        issues.AddRange(semantic);
        return new(origin, index, line, kind, obj, entity, issues);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
