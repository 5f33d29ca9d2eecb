using System.Net;
using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>An error the server answers with a metav1.Status body, as the real one does.</summary>
public sealed class ApiError(HttpStatusCode code, string reason, string message) : Exception(message)
{
    public HttpStatusCode Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject ToStatus() => Status((int)Code, Reason, Message);

    public static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    public static ApiError NotFound(ResourceType type, string name) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{type.Plural}.{type.Group} \"{name}\" not found");

    public static ApiError Conflict(ResourceType type, string name, string why) =>
        new(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {type.Plural}.{type.Group} \"{name}\": {why}");

    public static ApiError AlreadyExists(ResourceType type, string name) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{type.Plural}.{type.Group} \"{name}\" already exists");

    public static ApiError BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiError Invalid(string message) => new(HttpStatusCode.UnprocessableEntity, "Invalid", message);
}
