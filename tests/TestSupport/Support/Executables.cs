namespace EtlRouter.Tests.Support;

/// <summary>Finds a program on PATH, for tests that need one (kubectl, dot) and skip with a reason without it.</summary>
public static class Executables
{
    public static string? Find(string name) =>
        Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
