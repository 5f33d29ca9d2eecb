using System.Text.RegularExpressions;

namespace EtlRouter.Pipelines.Rules;

/// <summary>Names every resource of ours and every stage share: ones Kubernetes and our labels both accept.</summary>
public static partial class ResourceNames
{
    /// <summary>Names become label values (etl.router/pipeline=NAME), so they are DNS labels: 63 characters at most.</summary>
    public const int MaxNameLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public static partial Regex DnsLabel();

    /// <summary>A resource's name at <paramref name="path"/> (metadata.name), with the fix for each way it can be wrong.</summary>
    public static void Check(string? name, string path, List<ValidationIssue> issues)
    {
        if (string.IsNullOrEmpty(name))
            issues.Add(new(path, "is required; give the resource a lowercase name such as my-pipeline"));
        else if (name.Length > MaxNameLength)
            issues.Add(new(path, $"is {name.Length} characters long; use at most {MaxNameLength}, as it becomes a label value"));
        else if (!DnsLabel().IsMatch(name))
            issues.Add(new(path, $"'{name}' is not a DNS label; use lowercase letters, digits and '-', starting and ending with a letter or digit"));
    }
}
