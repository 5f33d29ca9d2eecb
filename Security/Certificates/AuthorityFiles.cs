using System.Security.Cryptography.X509Certificates;
using EtlRouter.Security.Identity;

namespace EtlRouter.Security.Certificates;

/// <summary>
/// A CA and the identities it issues as files, in the layout every process reads from TLS_DIR (ca.crt, tls.crt,
/// tls.key, as a kubernetes.io/tls Secret with ca.crt mounts) and the CA itself as ca.crt and ca.key. Used by
/// `etlctl certs` for local mode and by the tests; in a cluster the operator keeps the CA in a Secret.
/// </summary>
public static class AuthorityFiles
{
    public const string CertificateFile = "ca.crt";
    public const string KeyFile = "ca.key";

    /// <summary>The CA in <paramref name="directory"/>, made there first when it holds none.</summary>
    public static X509Certificate2 OpenOrCreate(string directory, TimeSpan validity)
    {
        var certificate = Path.Combine(directory, CertificateFile);
        var key = Path.Combine(directory, KeyFile);
        if (File.Exists(certificate) && File.Exists(key)) return Open(directory);
        Directory.CreateDirectory(directory);
        var authority = CertificateIssuer.CreateAuthority("etl-router-install-ca", DateTimeOffset.UtcNow, validity);
        File.WriteAllText(certificate, authority.ExportCertificatePem() + "\n");
        WritePrivate(key, authority.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        return authority;
    }

    public static X509Certificate2 Open(string directory) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, CertificateFile)), File.ReadAllText(Path.Combine(directory, KeyFile)));

    /// <summary>Issues <paramref name="identity"/> a certificate and writes ca.crt, tls.crt and tls.key to <paramref name="output"/>.</summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, PeerIdentity identity, IReadOnlyList<string> hosts, TimeSpan validity, string output)
    {
        var issued = CertificateIssuer.IssueIdentity(authority, identity, hosts, DateTimeOffset.UtcNow, validity);
        WriteIdentity(output, issued, authority.ExportCertificatePem() + "\n");
        return issued;
    }

    /// <summary>Writes one identity's files (the key readable by its owner only).</summary>
    public static void WriteIdentity(string output, X509Certificate2 certificate, string caBundlePem)
    {
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "ca.crt"), caBundlePem);
        File.WriteAllText(Path.Combine(output, "tls.crt"), certificate.ExportCertificatePem() + "\n");
        WritePrivate(Path.Combine(output, "tls.key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static void WritePrivate(string path, string pem)
    {
        File.WriteAllText(path, pem);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
