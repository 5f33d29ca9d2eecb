using System.CommandLine;
using EtlRouter.Cli.Resources;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl validate: offline, the same checks and messages as the API server's schema, the validating webhook
/// and the operator; every error with its file, document and field path; exit code 1 on any.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create(GlobalOptions global)
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Files, directories or - (standard input)", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = Examples.Command("validate",
            "Check manifests without a cluster: schema, references within a pipeline, cycles, names. Exit code 1 when anything is wrong.",
            "etlctl validate -f pipeline.yaml",
            "etlctl validate -f config/samples/",
            "cat pipeline.yaml | etlctl validate -f -");
        command.Options.Add(files);
        command.Run(global.Console, (parse, _) =>
        {
            var documents = ManifestFiles.Read(parse.GetValue(files) ?? [], global.Console.In);
            var invalid = 0;
            foreach (var document in documents)
            {
                if (document.Issues.Count == 0) continue;
                invalid++;
                var what = document.Kind is null ? string.Empty : $" {document.Kind}/{document.Json?["metadata"]?["name"]}";
                foreach (var issue in document.Issues)
                    global.Console.Error.WriteLine($"{document.Location}{what}: {issue.Path}: {issue.Message}");
            }

            if (invalid > 0)
            {
                global.Console.Error.WriteLine($"{invalid} of {documents.Count} document(s) invalid");
                return Task.FromResult(ExitCodes.Failure);
            }

            global.Console.Line($"{documents.Count} document(s) valid");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
