using System.CommandLine;

namespace EtlRouter.Cli;

/// <summary>
/// Runs a command's action so that a <see cref="CliException"/> becomes one line on stderr and its exit code, and
/// anything unexpected one line too: exception text and stack traces are printed only with --debug.
/// </summary>
internal static class CommandActions
{
    public static void Run(this Command command, CliConsole console, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var debug = parse.GetValue<bool>(GlobalOptions.DebugName);
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (CliException e)
            {
                await console.Error.WriteLineAsync($"error: {e.Message}");
                if (debug && e.InnerException is { } cause) await console.Error.WriteLineAsync(cause.ToString());
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await console.Error.WriteLineAsync("error: interrupted");
                return ExitCodes.Failure;
            }
            catch (Exception e)
            {
                await console.Error.WriteLineAsync($"error: etlctl failed unexpectedly ({e.GetType().Name}); run it again with --debug to see the details, and report them");
                if (debug) await console.Error.WriteLineAsync(e.ToString());
                return ExitCodes.Failure;
            }
        });
}
