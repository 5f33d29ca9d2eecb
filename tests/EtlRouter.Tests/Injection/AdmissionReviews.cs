using System.Text;
using System.Text.Json.Nodes;
using EtlRouter.SidecarInjector.Admission;
using EtlRouter.Testing.KubeApiServer;
using k8s;
using k8s.Models;

namespace EtlRouter.Tests.Injection;

/// <summary>Builds AdmissionReviews as the API server sends them, and applies a response's patch to the object.</summary>
public static class AdmissionReviews
{
    public static JsonObject Review(string operation, JsonObject? obj, string ns = "shop", string group = "", string version = "v1", string kind = "Pod", string resource = "pods", JsonObject? old = null) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = kind },
            ["resource"] = new JsonObject { ["group"] = group, ["version"] = version, ["resource"] = resource },
            ["namespace"] = ns,
            ["name"] = obj?["metadata"]?["name"]?.DeepClone(),
            ["operation"] = operation,
            ["object"] = obj?.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
        },
    };

    public static AdmissionRequest Read(JsonObject review) => AdmissionReviewReader.Read(Encoding.UTF8.GetBytes(review.ToJsonString()));

    /// <summary>A pod with one app container serving gRPC on 50051.</summary>
    public static JsonObject Pod(string name = "orders-7f9c", Dictionary<string, string>? annotations = null, string ns = "shop")
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = annotations },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "app", Image = "shop/orders:1.2", Ports = [new V1ContainerPort { ContainerPort = 50051, Name = "grpc" }] }],
            },
        };
        return (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(pod))!;
    }

    /// <summary>The pod after the response's JSON patch (RFC 6902, applied by the test API server's own code).</summary>
    public static V1Pod Patched(JsonObject pod, JsonObject reviewResponse)
    {
        var response = reviewResponse["response"]!;
        var patched = response["patch"] is { } encoded
            ? Patches.Apply(pod.DeepClone(), (JsonArray)JsonNode.Parse(Convert.FromBase64String(encoded.ToString()))!)
            : pod;
        return KubernetesJson.Deserialize<V1Pod>(patched.ToJsonString());
    }
}
