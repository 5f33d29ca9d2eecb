using k8s.Models;

namespace EtlRouter.Entities.Core;

/// <summary>
/// Sets and reads conditions the way Kubernetes' meta.SetStatusCondition does: lastTransitionTime moves
/// only when the status flips, so a reconcile that changes nothing writes nothing new.
/// </summary>
public static class ConditionList
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    /// <summary>Adds or updates one condition; returns true when anything changed.</summary>
    public static bool Set(
        this IHasConditions status,
        string type,
        bool value,
        string reason,
        string message,
        long? observedGeneration,
        DateTime? now = null) =>
        status.Set(type, value ? True : False, reason, message, observedGeneration, now);

    /// <summary>Adds or updates one condition with True, False or Unknown; returns true when anything changed.</summary>
    public static bool Set(
        this IHasConditions status,
        string type,
        string statusText,
        string reason,
        string message,
        long? observedGeneration,
        DateTime? now = null)
    {
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            status.Conditions.Add(new V1Condition
            {
                Type = type,
                Status = statusText,
                Reason = reason,
                Message = message,
                ObservedGeneration = observedGeneration,
                LastTransitionTime = now ?? DateTime.UtcNow,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != statusText)
        {
            existing.Status = statusText;
            existing.LastTransitionTime = now ?? DateTime.UtcNow;
            changed = true;
        }

        if (existing.Reason != reason || existing.Message != message || existing.ObservedGeneration != observedGeneration)
        {
            existing.Reason = reason;
            existing.Message = message;
            existing.ObservedGeneration = observedGeneration;
            changed = true;
        }

        return changed;
    }

    public static V1Condition? Find(this IHasConditions status, string type) =>
        status.Conditions.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(this IHasConditions status, string type) => status.Find(type)?.Status == True;
}
