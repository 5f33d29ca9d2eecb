namespace EtlRouter.Cli.Output;

/// <summary>What -o asks for.</summary>
internal enum OutputFormat
{
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

internal static class OutputFormats
{
    public static OutputFormat Parse(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" => OutputFormat.Table,
        "wide" => OutputFormat.Wide,
        "yaml" => OutputFormat.Yaml,
        "json" => OutputFormat.Json,
        "name" => OutputFormat.Name,
        _ => throw new CliException($"-o: '{text}' is not an output format; use wide, yaml, json or name", ExitCodes.Usage),
    };
}
