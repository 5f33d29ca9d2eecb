namespace EtlRouter.Pipelines.Rules;

/// <summary>One thing wrong with a manifest: the field's path and what to do about it.</summary>
public sealed record ValidationIssue(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
