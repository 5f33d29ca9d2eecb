using System.Text;
using System.Text.Json.Nodes;

namespace EtlRouter.SidecarInjector.Admission;

/// <summary>What a webhook answers: allowed or not (with the message the user sees), and an optional JSON patch.</summary>
public sealed record AdmissionResponse(string Uid, bool Allowed, string? Message = null, int? Code = null, JsonArray? Patch = null)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static AdmissionResponse Allow(string uid, JsonArray? patch = null) => new(uid, true, Patch: patch is { Count: > 0 } ? patch : null);

    /// <summary>A refusal: the API server shows <paramref name="message"/> to whoever created the object.</summary>
    public static AdmissionResponse Deny(string uid, string message, int code = 400) => new(uid, false, message, code);

    /// <summary>The full AdmissionReview the API server expects back (the patch base64-encoded, as the API requires).</summary>
    public JsonObject ToReview()
    {
        var response = new JsonObject { ["uid"] = Uid, ["allowed"] = Allowed };
        if (Message is not null)
            response["status"] = new JsonObject { ["code"] = Code ?? 400, ["message"] = Message, ["reason"] = Allowed ? null : "Invalid" };
        if (Patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Patch.ToJsonString()));
        }

        if (Warnings.Count > 0)
            response["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode?)w)]);
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
    }
}
