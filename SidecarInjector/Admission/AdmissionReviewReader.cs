using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtlRouter.SidecarInjector.Admission;

/// <summary>
/// Reads an AdmissionReview body. Anything that is not an admission.k8s.io/v1 review with a request, a uid and
/// an operation is refused with an <see cref="InvalidAdmissionReviewException"/> naming what is wrong.
/// </summary>
public static class AdmissionReviewReader
{
    /// <summary>Bodies larger than this are refused before parsing (the API server's own limit is 3 MiB per object).</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public static AdmissionRequest Read(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) throw new InvalidAdmissionReviewException("the body is empty; send an admission.k8s.io/v1 AdmissionReview");
        if (body.Length > MaxBodyBytes) throw new InvalidAdmissionReviewException($"the body is {body.Length} bytes; at most {MaxBodyBytes} are read");

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new InvalidAdmissionReviewException($"the body is not JSON: {e.Message}");
        }

        if (root is not JsonObject review) throw new InvalidAdmissionReviewException("the body is not a JSON object; send an AdmissionReview");
        var apiVersion = Text(review, "apiVersion");
        if (apiVersion != "admission.k8s.io/v1" || Text(review, "kind") != "AdmissionReview")
            throw new InvalidAdmissionReviewException($"apiVersion/kind is '{apiVersion}/{Text(review, "kind")}'; only admission.k8s.io/v1 AdmissionReview is served (set admissionReviewVersions: [v1])");
        if (review["request"] is not JsonObject request) throw new InvalidAdmissionReviewException("request: missing; an AdmissionReview sent to a webhook carries a request");

        var uid = Text(request, "uid");
        if (string.IsNullOrEmpty(uid)) throw new InvalidAdmissionReviewException("request.uid: missing; the response must echo it");
        var operation = Text(request, "operation");
        if (operation is not ("CREATE" or "UPDATE" or "DELETE" or "CONNECT"))
            throw new InvalidAdmissionReviewException($"request.operation: '{operation}' is not CREATE, UPDATE, DELETE or CONNECT");

        var kind = request["kind"] as JsonObject;
        var resource = request["resource"] as JsonObject;
        return new AdmissionRequest(
            uid,
            operation,
            Text(kind, "group") ?? string.Empty,
            Text(kind, "version") ?? string.Empty,
            Text(kind, "kind") ?? string.Empty,
            Text(resource, "resource") ?? string.Empty,
            Text(request, "subResource") ?? string.Empty,
            Text(request, "namespace") ?? string.Empty,
            Text(request, "name") ?? string.Empty,
            ObjectOrNull(request, "object"),
            ObjectOrNull(request, "oldObject"),
            request["dryRun"] is JsonValue dry && dry.TryGetValue<bool>(out var isDry) && isDry);
    }

    private static JsonObject? ObjectOrNull(JsonObject request, string name) => request[name] switch
    {
        null => null,
        JsonObject o => o,
        _ => throw new InvalidAdmissionReviewException($"request.{name}: not an object"),
    };

    private static string? Text(JsonObject? node, string name) =>
        node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
