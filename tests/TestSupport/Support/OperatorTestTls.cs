using EtlRouter.Operator.Router;

namespace EtlRouter.Tests.Support;

/// <summary>The operator's router settings with the test identity (the operator's settings are internal to it).</summary>
public static class OperatorTestTls
{
    /// <summary>
    /// <paramref name="settings"/> with the operator's test identity; plaintext for an http:// endpoint (the
    /// in-process fake router), mutual TLS for the real router processes (https://).
    /// </summary>
    internal static RouterSettings WithTestTls(this RouterSettings settings)
    {
        settings.TlsMode = (settings.Endpoint ?? settings.ClusterEndpointTemplate).StartsWith("http://", StringComparison.Ordinal) ? "plaintext" : "mutual";
        settings.TlsDirectory = TestCertificates.OperatorDirectory;
        return settings;
    }
}
