using System.Text.Json.Nodes;
using EtlRouter.Entities.Schema;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Cli.Output;

/// <summary>The columns `etlctl get` shows for a kind: NAME, the CRD's printer columns (priority 0; all with -o wide) and AGE.</summary>
internal static class ResourceRows
{
    public static (IReadOnlyList<string> Headers, IEnumerable<IReadOnlyList<string>> Rows) Table(EntityMetadata kind, IReadOnlyList<JsonObject> items, bool allNamespaces, bool wide, DateTimeOffset now)
    {
        var columns = CrdBuilder.Build(kind.Type).Spec.Versions[0].AdditionalPrinterColumns
            .Where(c => wide || (c.Priority ?? 0) == 0)
            .ToList();
        var headers = new List<string>();
        if (allNamespaces) headers.Add("Namespace");
        headers.Add("Name");
        headers.AddRange(columns.Select(c => c.Name));
        var rows = items.Select(item =>
        {
            var row = new List<string>();
            if (allNamespaces) row.Add(item["metadata"]?["namespace"]?.ToString() ?? string.Empty);
            row.Add(item["metadata"]?["name"]?.ToString() ?? string.Empty);
            foreach (var column in columns)
            {
                var value = JsonPathLite.Read(item, column.JsonPath);
                row.Add(column.Type == "date" ? Age.Since(value, now) : value);
            }

            return (IReadOnlyList<string>)row;
        });
        return (headers, rows);
    }

    /// <summary>kubectl's -o name: "etlpipeline.etl.router/user-analytics".</summary>
    public static string Name(EntityMetadata kind, JsonObject item) => $"{kind.Singular}.{kind.Group}/{item["metadata"]?["name"]}";
}
