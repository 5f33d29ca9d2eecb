namespace EtlRouter.Testing.ProcessRig;

/// <summary>Finds the checkout's root (where EtlOperator.sln is) from the test's output folder.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "EtlOperator.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EtlOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
