namespace EtlRouter.Entities.Schema;

/// <summary>
/// A column <c>kubectl get</c> prints, read from any JSONPath of the object (KubeOps' name).
/// Columns appear in declaration order; priority 1 shows only with <c>-o wide</c>.
/// </summary>
/// <example><code>[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
internal sealed class GenericAdditionalPrinterColumnAttribute(string jsonPath, string name, string type) : Attribute
{
    public string JsonPath { get; } = jsonPath;
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string? Description { get; init; }
    public int Priority { get; init; }
    public string? Format { get; init; }
}
