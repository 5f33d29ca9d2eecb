using Microsoft.Extensions.Logging;

namespace EtlRouter.Security.Tls;

/// <summary>The one loud line a process logs when it runs without TLS, so nobody runs it that way unaware.</summary>
internal static class PlaintextWarning
{
    public const string Text =
        "TLS_MODE=plaintext: every port of this process is UNENCRYPTED and UNAUTHENTICATED; anyone who can reach it may read records and change or wipe state. Use only in a trusted sandbox; unset TLS_MODE for mutual TLS.";

    public static void Log(ILogger logger) => logger.LogCritical("{Warning}", Text);
}
