namespace EtlRouter.Entities.Schema;

// Property attributes the CRD generator turns into OpenAPI v3 keywords. Names follow KubeOps.Abstractions.

/// <summary>The field must be present (OpenAPI <c>required</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RequiredAttribute : Attribute;

/// <summary>The string must match a regular expression (OpenAPI <c>pattern</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}

/// <summary>String length bounds (OpenAPI <c>minLength</c>/<c>maxLength</c>); -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class LengthAttribute(int minLength = -1, int maxLength = -1) : Attribute
{
    public int MinLength { get; } = minLength;
    public int MaxLength { get; } = maxLength;
}

/// <summary>Array size bounds (OpenAPI <c>minItems</c>/<c>maxItems</c>); -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ItemsAttribute(int minItems = -1, int maxItems = -1) : Attribute
{
    public int MinItems { get; } = minItems;
    public int MaxItems { get; } = maxItems;
}

/// <summary>Inclusive numeric minimum (OpenAPI <c>minimum</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RangeMinimumAttribute(double minimum) : Attribute
{
    public double Minimum { get; } = minimum;
}

/// <summary>Inclusive numeric maximum (OpenAPI <c>maximum</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RangeMaximumAttribute(double maximum) : Attribute
{
    public double Maximum { get; } = maximum;
}

/// <summary>The value the API server fills in when the field is absent (OpenAPI <c>default</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>Keep fields the schema does not list (<c>x-kubernetes-preserve-unknown-fields</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>Leave the property out of the schema (it is computed, never stored).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class IgnoreAttribute : Attribute;
