using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;

namespace EtlRouter.Entities.Schema;

/// <summary>
/// Builds an OpenAPI v3 structural schema (what a CRD needs) from a .NET type, reading the property
/// attributes of <see cref="Schema"/> and <see cref="DescriptionAttribute"/>.
/// </summary>
internal static class OpenApiSchemaBuilder
{
    public static V1JSONSchemaProps For(Type type, string? description = null)
    {
        var schema = ForType(type);
        schema.Description ??= description;
        return schema;
    }

    private static V1JSONSchemaProps ForType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;

        if (type == typeof(string))
            return new() { Type = "string" };
        if (type == typeof(bool))
            return new() { Type = "boolean" };
        if (type == typeof(int))
            return new() { Type = "integer", Format = "int32" };
        if (type == typeof(long))
            return new() { Type = "integer", Format = "int64" };
        if (type == typeof(double) || type == typeof(float))
            return new() { Type = "number" };
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
            return new() { Type = "string", Format = "date-time" };
        if (type == typeof(ResourceQuantity) || type == typeof(IntOrString))
            return new() { XKubernetesIntOrString = true, AnyOf = [new() { Type = "integer" }, new() { Type = "string" }] };
        if (type == typeof(V1Condition))
            return ConditionSchema();
        if (type.IsEnum)
            return new() { Type = "string", EnumProperty = Enum.GetNames(type).Cast<object>().ToList() };

        var dictionary = FindGeneric(type, typeof(IDictionary<,>));
        if (dictionary is not null)
            return new() { Type = "object", AdditionalProperties = ForType(dictionary.GetGenericArguments()[1]) };

        var list = FindGeneric(type, typeof(IEnumerable<>));
        if (list is not null && type != typeof(string))
            return new() { Type = "array", Items = ForType(list.GetGenericArguments()[0]) };

        if (typeof(IEnumerable).IsAssignableFrom(type))
            throw new NotSupportedException($"{type.Name}: untyped collections have no schema");

        return ForObject(type);
    }

    private static V1JSONSchemaProps ForObject(Type type)
    {
        var schema = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>(),
        };
        var required = new List<string>();

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null || property.GetCustomAttribute<IgnoreAttribute>() is not null)
                continue;
            if (!property.CanWrite)
                continue;

            var name = JsonName(property);
            var child = ForType(property.PropertyType);
            Annotate(child, property);
            schema.Properties[name] = child;
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
                required.Add(name);
        }

        if (required.Count > 0)
            schema.Required = required;
        return schema;
    }

    private static void Annotate(V1JSONSchemaProps schema, PropertyInfo property)
    {
        schema.Description = property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? schema.Description;
        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
            schema.Pattern = pattern.Regex;
        if (property.GetCustomAttribute<LengthAttribute>() is { } length)
        {
            if (length.MinLength >= 0) schema.MinLength = length.MinLength;
            if (length.MaxLength >= 0) schema.MaxLength = length.MaxLength;
        }

        if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
        {
            if (items.MinItems >= 0) schema.MinItems = items.MinItems;
            if (items.MaxItems >= 0) schema.MaxItems = items.MaxItems;
        }

        if (property.GetCustomAttribute<RangeMinimumAttribute>() is { } minimum)
            schema.Minimum = minimum.Minimum;
        if (property.GetCustomAttribute<RangeMaximumAttribute>() is { } maximum)
            schema.Maximum = maximum.Maximum;
        if (property.GetCustomAttribute<DefaultAttribute>() is { } value)
            schema.DefaultProperty = value.Value;
        if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
            schema.XKubernetesPreserveUnknownFields = true;
    }

    /// <summary>The JSON name a property is serialized under: its [JsonPropertyName], else camelCase.</summary>
    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..];

    private static Type? FindGeneric(Type type, Type generic)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == generic)
            return type;
        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
    }

    // metav1.Condition, as controller-gen writes it.
    private static V1JSONSchemaProps ConditionSchema() => new()
    {
        Type = "object",
        Description = "A Kubernetes condition (metav1.Condition).",
        Required = ["type", "status", "lastTransitionTime", "reason", "message"],
        Properties = new Dictionary<string, V1JSONSchemaProps>
        {
            ["type"] = new() { Type = "string", MaxLength = 316, Description = "Condition type: Ready, Progressing or Degraded." },
            ["status"] = new() { Type = "string", EnumProperty = ["True", "False", "Unknown"], Description = "True, False or Unknown." },
            ["reason"] = new() { Type = "string", MaxLength = 1024, Description = "CamelCase reason for the last transition." },
            ["message"] = new() { Type = "string", MaxLength = 32768, Description = "What happened, for a person." },
            ["lastTransitionTime"] = new() { Type = "string", Format = "date-time", Description = "When the status last changed." },
            ["observedGeneration"] = new() { Type = "integer", Format = "int64", Minimum = 0, Description = "The metadata.generation the condition was set for." },
        },
    };
}
