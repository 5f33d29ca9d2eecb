using EtlRouter.Entities.Manifests;

namespace EtlRouter.Cli.Resources;

/// <summary>
/// Reads -f arguments: files, directories (their .yaml/.yml/.json files, sorted) and "-" for standard input. Every
/// command that reads manifests comes here, and every manifest goes through the one bounded reader
/// (<see cref="ManifestSource"/>, <see cref="ManifestReader"/>): a file that breaks a limit stops the command with
/// one line (exit code 1) before anything is done.
/// </summary>
internal static class ManifestFiles
{
    public static IReadOnlyList<ManifestDocument> Read(IReadOnlyList<string> paths, TextReader standardInput)
    {
        if (paths.Count == 0) throw new CliException("-f: name at least one file, directory or - (standard input)", ExitCodes.Usage);
        try
        {
            var documents = new List<ManifestDocument>();
            foreach (var path in paths)
            {
                if (path == "-")
                {
                    documents.AddRange(ManifestReader.Read(ManifestSource.ReadText(standardInput, "-"), "-"));
                }
                else if (Directory.Exists(path))
                {
                    var files = Directory.GetFiles(path)
                        .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
                        .Order(StringComparer.Ordinal);
                    foreach (var file in files) documents.AddRange(ManifestReader.Read(ManifestSource.ReadFile(file), file));
                }
                else if (File.Exists(path))
                {
                    documents.AddRange(ManifestReader.Read(ManifestSource.ReadFile(path), path));
                }
                else
                {
                    throw new CliException($"-f {path}: no such file or directory");
                }
            }

            return documents;
        }
        catch (ManifestRefusedException e)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"-f: {e.Message}");
        }
    }
}
