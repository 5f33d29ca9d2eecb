namespace EtlRouter.Entities.Core;

/// <summary>The API group and version every ETL Router resource is served under.</summary>
internal static class EtlApi
{
    public const string Group = "etl.router";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>The category <c>kubectl get etl</c> lists.</summary>
    public const string Category = "etl";
}
