namespace EtlRouter.Cli;

/// <summary>What etlctl's exit code means; scripts can rely on these.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked was done (or, for validate, every document is valid).</summary>
    public const int Success = 0;

    /// <summary>Invalid input, a refused request or a missing object: the message says which.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong (unknown command, missing argument, bad flag value).</summary>
    public const int Usage = 2;

    /// <summary>Neither Kubernetes nor the router could be reached (or none was configured).</summary>
    public const int Unreachable = 3;
}
