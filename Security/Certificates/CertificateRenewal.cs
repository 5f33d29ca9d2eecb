using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Security.Certificates;

/// <summary>
/// When a certificate the product issues is renewed, in one place so that a change to the rule is made once.
/// <list type="bullet">
/// <item>Everything the operator issues and keeps in a Secret (the install CA, the webhook's CA and serving
/// certificate, router identities, its own identity) is renewed once less than a third of its life is left, as
/// cert-manager does by default. A certificate made for a longer validity than is configured now counts the
/// configured one, so shortening the validity takes effect at the next check.</item>
/// <item>A sidecar asks for its own short-lived certificate again at half its life (<see cref="SidecarRenewsAt"/>):
/// it asks over the network with a fresh token, so it starts earlier to leave room for retries while the operator is
/// away.</item>
/// </list>
/// </summary>
public static class CertificateRenewal
{
    /// <summary>Whether <paramref name="certificate"/> has less than a third of its life (at most <paramref name="validity"/>) left.</summary>
    public static bool IsDue(X509Certificate2 certificate, DateTimeOffset now, TimeSpan? validity = null)
    {
        var left = certificate.NotAfter.ToUniversalTime() - now.UtcDateTime;
        var life = certificate.NotAfter - certificate.NotBefore;
        if (validity is { } configured && configured < life) life = configured;
        return left < life / 3;
    }

    /// <summary>When a sidecar that received its certificate at <paramref name="receivedAt"/> asks again: half its life.</summary>
    public static DateTime SidecarRenewsAt(DateTime receivedAt, DateTime notAfter) => receivedAt + ((notAfter - receivedAt) / 2);

    /// <summary>Whether the certificate names every one of <paramref name="hosts"/> (DNS names or IP addresses).</summary>
    public static bool Covers(X509Certificate2 certificate, IEnumerable<string> hosts)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return hosts.All(names.Contains);
    }
}
