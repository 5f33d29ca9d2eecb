using System.Text.RegularExpressions;
using EtlRouter.Contracts;
using EtlRouter.Contracts.Addresses;
using EtlRouter.Contracts.V1;
using EtlRouter.Pipelines.Graph;
using EtlRouter.Pipelines.Rules;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>
/// Checks every write before it can reach the log. A bad request is refused with INVALID_ARGUMENT naming the
/// field and the fix; nothing it carried is stored.
/// </summary>
internal static partial class RequestValidation
{
    private const int MaxNameLength = 253;

    public static void Pipeline(PipelineDefinition? pipeline, string path = "pipeline")
    {
        if (pipeline is null) throw Invalid(path, "missing; send the compiled pipeline definition");
        Ref(pipeline.Ref, $"{path}.ref");
        if (pipeline.Generation < 0) throw Invalid($"{path}.generation", $"{pipeline.Generation} is negative; send metadata.generation (0 or more)");
        if (pipeline.Stages.Count == 0) throw Invalid($"{path}.stages", "empty; a pipeline needs at least a source and a sink");

        // What only a definition can get wrong; the graph rules are the same as for a custom resource.
        var stages = new List<PipelineStage>(pipeline.Stages.Count);
        for (var i = 0; i < pipeline.Stages.Count; i++)
        {
            var stage = pipeline.Stages[i];
            var at = $"{path}.stages[{i}]";
            Name(stage.Name, $"{at}.name");
            if (stage.Kind == StageKind.Unspecified) throw Invalid($"{at}.kind", "unspecified; set SOURCE, TRANSFORM or SINK");
            if (string.IsNullOrWhiteSpace(stage.Service)) throw Invalid($"{at}.service", "empty; name the service sidecars match");
            if (stage.Endpoint.Length > 0 && !HostPort.TryParse(stage.Endpoint, out _, out var problem)) throw Invalid($"{at}.endpoint", $"'{Shorten(stage.Endpoint)}' {problem}");
            stages.Add(new PipelineStage(stage.Name, ServiceKindOf(stage.Kind), stage.Service, [.. stage.Inputs], stage.Replicas == 0 ? 1 : (int)Math.Min(stage.Replicas, (uint)int.MaxValue), at,
                stage.InputConditions.Count > 0 ? new Dictionary<string, string>(stage.InputConditions, StringComparer.Ordinal) : null));
        }

        if (!Enum.IsDefined(pipeline.Unmatched)) throw Invalid($"{path}.unmatched", $"{(int)pipeline.Unmatched} is not a known value; send DEAD_LETTER or DROP");
        var issues = new List<ValidationIssue>();
        if (PipelineGraphRules.Check(stages, (_, i) => $"{path}.stages[{i}]", $"{path}.stages", issues) is null)
            throw Invalid(issues[0].Path, issues[0].Message);
    }

    public static void Ref(PipelineRef? reference, string path)
    {
        if (reference is null) throw Invalid(path, "missing; send namespace and name");
        Name(reference.Namespace, $"{path}.namespace");
        Name(reference.Name, $"{path}.name");
    }

    public static void Registration(RegisterSidecarRequest request)
    {
        Name(request.SidecarId, "sidecar_id");
        if (!HostPort.TryParse(request.Address, out _, out var problem)) throw Invalid("address", $"'{Shorten(request.Address)}' {problem} (the data-plane address other sidecars dial)");
        if (request.Services.Count > 64) throw Invalid("services", $"{request.Services.Count} services; at most 64");
        for (var i = 0; i < request.Services.Count; i++)
        {
            var service = request.Services[i];
            if (service.Kind == StageKind.Unspecified) throw Invalid($"services[{i}].kind", "unspecified; send what ServiceInfo reported");
            if (string.IsNullOrWhiteSpace(service.Name) || service.Name.Length > MaxNameLength) throw Invalid($"services[{i}].name", "empty or too long; send what ServiceInfo reported");
        }
    }

    public static void SidecarId(string id, string path = "sidecar_id") => Name(id, path);

    /// <summary>A service name or namespace a read names: not empty, and a name sidecars could have registered.</summary>
    public static void ServiceName(string name, string path) => Name(name, path);

    public static void NamespaceName(string name, string path) => Name(name, path);

    public static void DeadLetters(AppendDeadLettersRequest request)
    {
        if (request.DeadLetters.Count == 0) throw Invalid("dead_letters", "empty; send at least one");
        if (request.DeadLetters.Count > 1000) throw Invalid("dead_letters", $"{request.DeadLetters.Count} in one call; send at most 1000");
        for (var i = 0; i < request.DeadLetters.Count; i++)
        {
            var d = request.DeadLetters[i];
            var at = $"dead_letters[{i}]";
            if (string.IsNullOrEmpty(d.Id) || d.Id.Length > 512) throw Invalid($"{at}.id", "empty or longer than 512; derive it from the record id and stage");
            Ref(d.Pipeline, $"{at}.pipeline");
            Name(d.Stage, $"{at}.stage");
            if (d.Record is null) throw Invalid($"{at}.record", "missing; send the record that failed so it can be replayed");
        }
    }

    public static void Filter(DeadLetterFilter? filter, string path, bool requireSomething)
    {
        if (filter?.Pipeline is { } p && (p.Namespace.Length > 0 || p.Name.Length > 0) && (p.Namespace.Length == 0 || p.Name.Length == 0))
            throw Invalid($"{path}.pipeline", "set both namespace and name, or neither");
        if (requireSomething && (filter is null || filter.Equals(new DeadLetterFilter())))
            throw Invalid(path, "empty; name a pipeline, stage, ids or time range (to purge everything, filter by each pipeline)");
    }

    private static void Name(string value, string path)
    {
        if (string.IsNullOrEmpty(value)) throw Invalid(path, "empty; set it");
        if (value.Length > MaxNameLength || !SafeName().IsMatch(value))
            throw Invalid(path, $"'{Shorten(value)}' is not a valid name; use letters, digits, '-', '.' and '_' (at most {MaxNameLength})");
    }

    private static ServiceKind ServiceKindOf(StageKind kind) => kind switch
    {
        StageKind.Source => ServiceKind.Source,
        StageKind.Transform => ServiceKind.Transform,
        _ => ServiceKind.Sink,
    };

    private static string Shorten(string value) => value.Length > 40 ? value[..40] + "..." : value;

    public static RpcException Invalid(string path, string message) => new(new Status(StatusCode.InvalidArgument, $"{path}: {message}"));

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex SafeName();
}
