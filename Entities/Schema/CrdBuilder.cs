using System.Reflection;
using k8s.Models;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Entities.Schema;

/// <summary>
/// Builds the CustomResourceDefinition of an entity class: structural schema, status subresource, printer
/// columns, short names and categories. <c>make generate</c> writes what this returns under config/crd.
/// </summary>
public static class CrdBuilder
{
    public static V1CustomResourceDefinition Build<T>() => Build(typeof(T));

    public static V1CustomResourceDefinition Build(Type entityType)
    {
        var meta = EntityMetadata.For(entityType);
        var specType = entityType.GetProperty("Spec")?.PropertyType
            ?? throw new ArgumentException($"{entityType.Name} has no Spec", nameof(entityType));
        var statusType = entityType.GetProperty("Status")?.PropertyType;

        var spec = OpenApiSchemaBuilder.For(specType);
        spec.Description = "What the user asks for.";

        // An absent spec becomes {} so the defaults inside it apply; the validators catch what is missing.
        spec.DefaultProperty = new Dictionary<string, object>();
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = meta.Description,
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["apiVersion"] = new() { Type = "string", Description = "etl.router/v1" },
                ["kind"] = new() { Type = "string", Description = meta.Kind },
                ["metadata"] = new() { Type = "object" },
                ["spec"] = spec,
            },
        };

        if (statusType is not null)
        {
            var status = OpenApiSchemaBuilder.For(statusType);
            status.Description = "What the operator observed. Written by the operator only.";
            root.Properties["status"] = status;
        }

        var columns = entityType.GetCustomAttributes<GenericAdditionalPrinterColumnAttribute>()
            .Select(c => new V1CustomResourceColumnDefinition
            {
                JsonPath = c.JsonPath,
                Name = c.Name,
                Type = c.Type,
                Description = c.Description,
                Priority = c.Priority == 0 ? null : c.Priority,
                Format = c.Format,
            })
            .ToList();

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = meta.CrdName },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = meta.Group,
                Scope = meta.Scope == EntityScope.Namespaced ? "Namespaced" : "Cluster",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = meta.Kind,
                    ListKind = meta.Kind + "List",
                    Plural = meta.Plural,
                    Singular = meta.Singular,
                    ShortNames = meta.ShortNames.Count > 0 ? meta.ShortNames.ToList() : null,
                    Categories = meta.Categories.Count > 0 ? meta.Categories.ToList() : null,
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = meta.Version,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = statusType is null ? null : new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
                        AdditionalPrinterColumns = columns.Count > 0 ? columns : null,
                    },
                ],
            },
        };
    }
}
