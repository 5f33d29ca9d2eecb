using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Security.Identity;

namespace EtlRouter.Security.Certificates;

/// <summary>
/// Makes CAs and the certificates they sign (ECDSA P-256, as cert-manager does by default): the webhook's serving
/// certificate, and the install CA's identity certificates that every hop of mutual TLS presents.
/// </summary>
public static class CertificateIssuer
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
    }

    /// <summary>A server certificate for <paramref name="hosts"/> (DNS names or IP addresses), signed by the authority.</summary>
    public static X509Certificate2 IssueServing(X509Certificate2 authority, IReadOnlyList<string> hosts, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hosts[0]}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(Names(hosts, identity: null));
        AddLeafExtensions(request, authority, [ServerAuth]);
        using var signed = Sign(request, authority, now, validity);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// A certificate that says who its holder is (<paramref name="identity"/> as a URI name), for both ends of a
    /// mutual TLS connection; <paramref name="hosts"/> are added for clients that still check host names.
    /// </summary>
    public static X509Certificate2 IssueIdentity(X509Certificate2 authority, PeerIdentity identity, IReadOnlyList<string> hosts, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signed = Sign(IdentityRequest(key, identity, hosts, authority), authority, now, validity);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Signs a holder's certificate signing request (PEM) for <paramref name="identity"/>: the key never leaves
    /// its holder, and the names come from what was proven, never from the request.
    /// </summary>
    public static X509Certificate2 SignRequest(X509Certificate2 authority, string requestPem, PeerIdentity identity, DateTimeOffset now, TimeSpan validity)
    {
        var asked = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.Name}"), asked.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(Names([], identity));
        AddLeafExtensions(request, authority, [ServerAuth, ClientAuth]);
        return Sign(request, authority, now, validity);
    }

    /// <summary>A signing request for <paramref name="identity"/>, made with the holder's own key.</summary>
    public static string CreateSigningRequestPem(ECDsa key, PeerIdentity identity) =>
        new CertificateRequest(new X500DistinguishedName($"CN={identity.Name}"), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    private static CertificateRequest IdentityRequest(ECDsa key, PeerIdentity identity, IReadOnlyList<string> hosts, X509Certificate2 authority)
    {
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.Name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(Names(hosts, identity));
        AddLeafExtensions(request, authority, [ServerAuth, ClientAuth]);
        return request;
    }

    private static X509Extension Names(IReadOnlyList<string> hosts, PeerIdentity? identity)
    {
        var names = new SubjectAlternativeNameBuilder();
        if (identity is not null) names.AddUri(new Uri(identity.Uri));
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(host);
        }

        return names.Build();
    }

    private static void AddLeafExtensions(CertificateRequest request, X509Certificate2 authority, Oid[] usages)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
    }

    private static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 authority, DateTimeOffset now, TimeSpan validity)
    {
        // Never past the CA's own end: a chain is only as valid as its shortest link.
        var notAfter = now + validity < authority.NotAfter ? now + validity : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(authority, now.AddMinutes(-5), notAfter, serial);
    }
}
