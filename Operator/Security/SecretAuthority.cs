using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EtlRouter.Security.Certificates;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Security;

/// <summary>
/// A certificate authority the operator keeps in a Secret: the one lifecycle behind every certificate the product
/// issues (the install CA, and the webhook's own CA, whose Secret also holds its serving certificate). ca.crt is
/// the bundle holders trust, the current CA first and older ones after it while they are still valid, so that
/// every holder keeps trusting every peer during a rollover; ca.key is the current CA's key. The CA is made on first
/// use and renewed by <see cref="CertificateRenewal"/>; writes carry the resourceVersion that was read, so when two
/// replicas race one gets a 409, reads again and uses what the other wrote. Other keys of the Secret are kept.
/// </summary>
internal sealed class SecretAuthority(IKubernetes client, SecretAuthority.Options options, TimeProvider time, ILogger logger)
{
    public const string BundleKey = AuthorityFiles.CertificateFile;
    public const string KeyKey = AuthorityFiles.KeyFile;

    private const int Attempts = 5;

    /// <param name="Namespace">Where the Secret is.</param>
    /// <param name="SecretName">The Secret.</param>
    /// <param name="CommonName">The CA's name, for new CAs.</param>
    /// <param name="Validity">A new CA's life; renewals count at most this (<see cref="CertificateRenewal.IsDue"/>).</param>
    /// <param name="ManagedBy">The app.kubernetes.io/managed-by label of a Secret the operator creates.</param>
    /// <param name="Manage">False: only read (cert-manager keeps the CA).</param>
    /// <param name="AcceptCertManager">Also read cert-manager's CA Certificate Secret (tls.crt, tls.key, ca.crt).</param>
    public sealed record Options(string Namespace, string SecretName, string CommonName, TimeSpan Validity, string ManagedBy, bool Manage = true, bool AcceptCertManager = false);

    /// <summary>The CA with its key, the bundle to trust, and the Secret it was read from (for a write beside it).</summary>
    public sealed record Kept(X509Certificate2 Authority, string BundlePem, V1Secret Secret)
    {
        /// <summary>The text under <paramref name="key"/>, or null.</summary>
        public string? Text(string key) => SecretText(Secret, key);
    }

    /// <summary>The CA, made or renewed first when it is due and this operator keeps it; null when there is none.</summary>
    public async Task<Kept?> EnsureAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var secret = await Secrets.ReadOrNullAsync(client, options.SecretName, options.Namespace, cancellationToken);
            var (authority, bundle) = Parse(secret);
            if (options.Manage && (authority is null || CertificateRenewal.IsDue(authority, time.GetUtcNow(), options.Validity)))
            {
                var next = CertificateIssuer.CreateAuthority(options.CommonName, time.GetUtcNow(), options.Validity);
                var still = StillValid(bundle, next);
                try
                {
                    await WriteAsync(secret, new Dictionary<string, byte[]>
                    {
                        [BundleKey] = Encoding.UTF8.GetBytes(next.ExportCertificatePem() + "\n" + still),
                        [KeyKey] = Encoding.UTF8.GetBytes(next.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n"),
                    }, cancellationToken);
                    logger.LogInformation("Wrote a new CA ({Name}) to Secret {Namespace}/{Secret} (valid until {NotAfter:u})", options.CommonName, options.Namespace, options.SecretName, next.NotAfter.ToUniversalTime());
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < Attempts)
                {
                    // Another replica wrote first: read what it wrote.
                }

                continue;
            }

            return authority is null ? null : new Kept(authority, bundle!, secret!);
        }
    }

    /// <summary>
    /// Writes <paramref name="entries"/> beside the CA in the Secret <paramref name="kept"/> was read from; a 409
    /// (<see cref="HttpOperationException"/>) means another replica wrote first: call <see cref="EnsureAsync"/> again.
    /// </summary>
    public Task WriteBesideAsync(Kept kept, IReadOnlyDictionary<string, byte[]> entries, CancellationToken cancellationToken) =>
        WriteAsync(kept.Secret, entries, cancellationToken);

    /// <summary>Whether a 409 from <see cref="WriteBesideAsync"/> on this attempt should be retried.</summary>
    public static bool Retry(HttpOperationException e, int attempt) => e.Response.StatusCode == HttpStatusCode.Conflict && attempt < Attempts;

    /// <summary>The first certificate of a PEM bundle (the current CA, which bundles list first).</summary>
    public static string FirstCertificate(string pem)
    {
        const string End = "-----END CERTIFICATE-----";
        var end = pem.IndexOf(End, StringComparison.Ordinal);
        return end < 0 ? pem : pem[..(end + End.Length)];
    }

    private (X509Certificate2? Authority, string? Bundle) Parse(V1Secret? secret)
    {
        try
        {
            // Ours: ca.crt (the bundle, current CA first) and ca.key. cert-manager's CA Certificate: tls.crt and tls.key.
            if (SecretText(secret, BundleKey) is { } bundle && SecretText(secret, KeyKey) is { } key)
                return (X509Certificate2.CreateFromPem(FirstCertificate(bundle), key), bundle);
            if (options.AcceptCertManager && SecretText(secret, "tls.crt") is { } certificate && SecretText(secret, "tls.key") is { } tlsKey)
            {
                var first = FirstCertificate(certificate);
                var ca = SecretText(secret, BundleKey);
                return (X509Certificate2.CreateFromPem(first, tlsKey), ca is not null && !ca.Contains(first, StringComparison.Ordinal) ? first + "\n" + ca : certificate);
            }
        }
        catch (CryptographicException e)
        {
            // Unreadable: replaced when this operator keeps the CA, reported otherwise.
            logger.LogWarning("Secret {Namespace}/{Secret} holds a CA that cannot be read ({Error}){Action}", options.Namespace, options.SecretName, e.Message, options.Manage ? "; replacing it" : string.Empty);
        }

        return (null, null);
    }

    // The CAs of the old bundle that are still valid (so still trusted), without the new one.
    private string StillValid(string? bundle, X509Certificate2 next)
    {
        if (bundle is null) return string.Empty;
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(bundle);
        }
        catch (CryptographicException)
        {
            return string.Empty;
        }

        var now = time.GetUtcNow().UtcDateTime;
        return string.Concat(all.Where(c => c.NotAfter.ToUniversalTime() > now && c.Thumbprint != next.Thumbprint).Select(c => c.ExportCertificatePem() + "\n"));
    }

    private Task WriteAsync(V1Secret? existing, IReadOnlyDictionary<string, byte[]> entries, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, byte[]>(existing?.Data ?? new Dictionary<string, byte[]>());
        foreach (var (key, value) in entries) data[key] = value;
        return Secrets.WriteAsync(client, existing, new V1ObjectMeta
        {
            Name = options.SecretName,
            NamespaceProperty = options.Namespace,
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = options.ManagedBy },
        }, "Opaque", data, cancellationToken);
    }

    private static string? SecretText(V1Secret? secret, string key) =>
        secret?.Data is { } data && data.TryGetValue(key, out var bytes) && bytes.Length > 0 ? Encoding.UTF8.GetString(bytes) : null;
}
