namespace EtlRouter.Cli;

/// <summary>An error etlctl reports as one clear message and an exit code (no stack trace).</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
