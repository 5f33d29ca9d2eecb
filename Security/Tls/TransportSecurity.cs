using Microsoft.Extensions.Logging;

namespace EtlRouter.Security.Tls;

/// <summary>How a server process starts its transport security: mutual TLS from TLS_DIR, or plaintext by explicit choice.</summary>
public static class TransportSecurity
{
    /// <summary>
    /// The process's <see cref="MutualTls"/>, its identity loaded from TLS_DIR; null in plaintext mode (after the
    /// loud warning). Throws <see cref="InvalidOperationException"/> with the fix when TLS_DIR cannot be used.
    /// </summary>
    public static MutualTls? Start(TlsSettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        var logger = loggerFactory.CreateLogger("EtlRouter.Security");
        if (!settings.IsMutual)
        {
            PlaintextWarning.Log(logger);
            return null;
        }

        var certificates = new IdentityCertificates(settings, time ?? TimeProvider.System, logger);
        if (!certificates.Reload())
        {
            throw new InvalidOperationException(
                $"TLS_DIR: no usable ca.crt, tls.crt and tls.key in {settings.Directory}; mount the install CA's Secret there " +
                "(the chart does), make local ones with `etlctl certs`, or set TLS_MODE=plaintext for a trusted sandbox.");
        }

        return new MutualTls(certificates, logger);
    }
}
