using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>
/// Calls the registered admission webhooks the way the real API server does: mutating webhooks in name order
/// (their JSON patches applied), then validating ones; rules, namespaceSelector and objectSelector decide who
/// is called; HTTPS trusting only the webhook's caBundle, with its timeoutSeconds; failurePolicy decides what a
/// failed call means. Only `clientConfig.url` is supported (there are no Services to route to here), and
/// reinvocation is not modelled.
/// </summary>
public sealed class AdmissionChain(ObjectStore store)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> calls = new();

    /// <summary>"webhook-name: outcome" for every call made, in order.</summary>
    public IReadOnlyList<string> Calls => calls.ToList();

    public async Task<JsonObject> AdmitAsync(ResourceType type, string? ns, string operation, JsonObject obj, JsonObject? old, string? subresource, CancellationToken cancellationToken)
    {
        // Webhook configurations are never sent to webhooks (the real server does the same: no lock-out).
        if (type.Group == "admissionregistration.k8s.io") return obj;

        var nsLabels = NamespaceLabels(type, ns);
        var current = obj;
        foreach (var (configuration, webhook) in Webhooks("mutatingwebhookconfigurations"))
        {
            if (!Applies(webhook, type, operation, subresource, nsLabels, current, old)) continue;
            var response = await CallAsync(webhook, type, ns, operation, current, old, subresource, cancellationToken);
            if (response?["patch"]?.ToString() is { Length: > 0 } encoded)
            {
                var patch = JsonNode.Parse(Convert.FromBase64String(encoded)) as JsonArray ?? throw ApiError.BadRequest($"webhook {Name(webhook)} returned a patch that is not a JSON array");
                current = Patches.Apply(current.DeepClone(), patch) as JsonObject ?? throw ApiError.BadRequest($"webhook {Name(webhook)}'s patch did not produce an object");
            }
        }

        foreach (var (configuration, webhook) in Webhooks("validatingwebhookconfigurations"))
        {
            if (Applies(webhook, type, operation, subresource, nsLabels, current, old))
                await CallAsync(webhook, type, ns, operation, current, old, subresource, cancellationToken);
        }

        return current;
    }

    private IEnumerable<(JsonObject Configuration, JsonObject Webhook)> Webhooks(string plural)
    {
        var type = store.FindType("admissionregistration.k8s.io", "v1", plural)!;
        var (items, _) = store.List(type, null, _ => true);
        foreach (var configuration in items.OrderBy(i => i["metadata"]?["name"]?.ToString(), StringComparer.Ordinal))
        {
            foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
                yield return (configuration, webhook);
        }
    }

    private IReadOnlyDictionary<string, string> NamespaceLabels(ResourceType type, string? ns)
    {
        if (!type.Namespaced || ns is null) return new Dictionary<string, string>();
        var namespaces = store.FindType("", "v1", "namespaces")!;
        Dictionary<string, string> labels;
        try
        {
            labels = new Dictionary<string, string>(LabelSelectorObject.LabelsOf(store.Get(namespaces, null, ns)));
        }
        catch (ApiError)
        {
            labels = [];
        }

        // The real API server labels every namespace with its own name.
        labels["kubernetes.io/metadata.name"] = ns;
        return labels;
    }

    private static bool Applies(JsonObject webhook, ResourceType type, string operation, string? subresource, IReadOnlyDictionary<string, string> nsLabels, JsonObject obj, JsonObject? old)
    {
        var resource = subresource is null ? type.Plural : $"{type.Plural}/{subresource}";
        static bool Has(JsonObject rule, string field, string value) =>
            (rule[field] as JsonArray ?? []).Any(v => v?.ToString() is var s && (s == "*" || s == value));
        var ruleMatches = (webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Any(rule =>
            Has(rule, "operations", operation) && Has(rule, "apiGroups", type.Group) && Has(rule, "apiVersions", type.Version) && Has(rule, "resources", resource));
        if (!ruleMatches) return false;
        if (type.Namespaced && !LabelSelectorObject.Matches(webhook["namespaceSelector"] as JsonObject, nsLabels)) return false;
        return LabelSelectorObject.Matches(webhook["objectSelector"] as JsonObject, LabelSelectorObject.LabelsOf(operation == "DELETE" ? old : obj));
    }

    private async Task<JsonObject?> CallAsync(JsonObject webhook, ResourceType type, string? ns, string operation, JsonObject obj, JsonObject? old, string? subresource, CancellationToken cancellationToken)
    {
        var name = Name(webhook);
        var ignoreFailures = webhook["failurePolicy"]?.ToString() == "Ignore";
        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind },
                ["resource"] = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["resource"] = type.Plural },
                ["subResource"] = subresource,
                ["name"] = obj["metadata"]?["name"]?.DeepClone(),
                ["namespace"] = ns,
                ["operation"] = operation,
                ["userInfo"] = new JsonObject { ["username"] = "test-api-server" },
                ["object"] = operation == "DELETE" ? null : obj.DeepClone(),
                ["oldObject"] = old?.DeepClone(),
                ["dryRun"] = false,
            },
        };

        JsonObject? response;
        try
        {
            response = await PostAsync(webhook, review, cancellationToken);
            if (response?["uid"]?.ToString() != uid) throw new InvalidOperationException($"the response's uid '{response?["uid"]}' is not the request's '{uid}'");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or System.Text.Json.JsonException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            calls.Enqueue($"{name}: failed ({e.Message})");
            if (ignoreFailures) return null;
            throw new ApiError(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: failed calling webhook \"{name}\": {e.Message}");
        }

        if (response["allowed"]?.GetValue<bool>() != true)
        {
            var status = response["status"] as JsonObject;
            var code = status?["code"]?.GetValue<int>() is int c and >= 400 ? c : 403;
            calls.Enqueue($"{name}: denied");
            throw new ApiError((HttpStatusCode)code, status?["reason"]?.ToString() ?? "Forbidden", $"admission webhook \"{name}\" denied the request: {status?["message"]}");
        }

        calls.Enqueue($"{name}: allowed{(response["patch"] is null ? string.Empty : " with a patch")}");
        return response;
    }

    private static async Task<JsonObject?> PostAsync(JsonObject webhook, JsonObject review, CancellationToken cancellationToken)
    {
        var clientConfig = webhook["clientConfig"] as JsonObject;
        var url = clientConfig?["url"]?.ToString() ?? throw new InvalidOperationException("only clientConfig.url is supported by the test API server");
        var trusted = new X509Certificate2Collection();
        if (clientConfig["caBundle"]?.ToString() is { Length: > 0 } bundle)
            trusted.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(bundle)));

        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => CaBundleTrust.Validates(certificate, errors, trusted),
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(webhook["timeoutSeconds"]?.GetValue<int>() ?? 10) };
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync(url, content, cancellationToken);
        var text = await answer.Content.ReadAsStringAsync(cancellationToken);
        if (!answer.IsSuccessStatusCode) throw new HttpRequestException($"the webhook answered {(int)answer.StatusCode}: {text}");
        return JsonNode.Parse(text)?["response"] as JsonObject ?? throw new InvalidOperationException("the webhook's answer has no response");
    }

    private static string Name(JsonObject webhook) => webhook["name"]?.ToString() ?? "(unnamed)";
}
