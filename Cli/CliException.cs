namespace EtlRouter.Cli;

/// <summary>
/// An error etlctl reports as one clear message and an exit code (no stack trace); what caused it is shown only
/// with --debug.
/// </summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure, Exception? cause = null) : Exception(message, cause)
{
    public int ExitCode { get; } = exitCode;
}
