using System.Text.Json.Nodes;

namespace EtlRouter.SidecarInjector.Admission;

/// <summary>
/// The parts of an admission.k8s.io/v1 AdmissionReview request the webhooks read. <see cref="Object"/> and
/// <see cref="OldObject"/> stay JSON: a webhook decides how to read them (and how to refuse what it cannot read).
/// </summary>
public sealed record AdmissionRequest(
    string Uid,
    string Operation,
    string Group,
    string Version,
    string Kind,
    string Resource,
    string SubResource,
    string Namespace,
    string Name,
    JsonObject? Object,
    JsonObject? OldObject,
    bool DryRun)
{
    public bool IsPod => Group.Length == 0 && Kind == "Pod" && Resource == "pods" && SubResource.Length == 0;
}
