using System.CommandLine;

namespace EtlRouter.Cli;

/// <summary>Runs a command's action so that a <see cref="CliException"/> becomes one line on stderr and its exit code.</summary>
internal static class CommandActions
{
    public static void Run(this Command command, CliConsole console, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (CliException e)
            {
                await console.Error.WriteLineAsync($"error: {e.Message}");
                return e.ExitCode;
            }
        });
}
