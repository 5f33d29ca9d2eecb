namespace EtlRouter.SidecarInjector.Admission;

/// <summary>A body that is not an AdmissionReview the webhooks can answer; the endpoint returns 400 with the message.</summary>
public sealed class InvalidAdmissionReviewException(string message) : Exception(message);
