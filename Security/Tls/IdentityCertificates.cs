using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Security.Identity;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Security.Tls;

/// <summary>
/// This process's certificate and the CAs it trusts, as the files in TLS_DIR hold them right now (or as a
/// sidecar was issued them). Every handshake asks for the current certificate, so a renewed one is used from
/// the next connection on while open streams carry on; <see cref="Reload"/> is polled, because a mounted Secret
/// changes by swapping a symlink, which file watchers miss.
/// </summary>
public sealed class IdentityCertificates(TlsSettings settings, TimeProvider time, ILogger logger)
{
    private volatile Loaded? current;
    private string? loadedFingerprint;

    private sealed record Loaded(X509Certificate2 Certificate, X509Certificate2Collection Authorities, PeerIdentity Identity);

    public TlsSettings Settings => settings;

    /// <summary>Who this process is, from its certificate.</summary>
    public PeerIdentity Identity => Require().Identity;

    public X509Certificate2 Certificate => Require().Certificate;

    public X509Certificate2Collection Authorities => Require().Authorities;

    public bool IsLoaded => current is not null;

    /// <summary>
    /// Reads TLS_DIR when its files changed. Returns false (and logs why) when they cannot be used; the
    /// certificate loaded before, if any, stays in use.
    /// </summary>
    public bool Reload()
    {
        try
        {
            var caPem = File.ReadAllText(settings.CaFile);
            var certificatePem = File.ReadAllText(settings.CertificateFile);
            var keyPem = File.ReadAllText(settings.KeyFile);
            var fingerprint = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(caPem + certificatePem + keyPem)));
            if (fingerprint == loadedFingerprint) return true;
            Use(X509Certificate2.CreateFromPem(certificatePem, keyPem), caPem);
            loadedFingerprint = fingerprint;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            logger.LogError(
                "Cannot load this process's TLS identity from {Directory} (ca.crt, tls.crt, tls.key): {Error}. Mount the install CA's Secret there or set TLS_DIR.",
                settings.Directory, e.Message);
            return false;
        }
    }

    /// <summary>Serves <paramref name="certificate"/> (with its key) from the next handshake on and trusts the CAs in <paramref name="caBundlePem"/>.</summary>
    public void Use(X509Certificate2 certificate, string caBundlePem)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(caBundlePem);
        if (authorities.Count == 0) throw new InvalidOperationException("ca.crt holds no certificate");
        if (!certificate.HasPrivateKey) throw new InvalidOperationException("tls.crt comes without its key");
        var identity = PeerIdentity.FromCertificate(certificate)
            ?? throw new InvalidOperationException($"tls.crt names no identity (a URI such as {PeerIdentity.Router("node-1").Uri})");
        // Linux needs the key in a form SslStream can use on every handshake; an exported-and-reimported copy is.
        var usable = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var previous = current;
        current = new Loaded(usable, authorities, identity);
        if (previous?.Certificate.Thumbprint != usable.Thumbprint)
            logger.LogInformation("TLS identity {Identity}, certificate valid until {NotAfter:u}", identity, usable.NotAfter.ToUniversalTime());
    }

    /// <summary>Checks a peer's certificate against the install CA (chain, validity) and reads its identity.</summary>
    public PeerVerification Verify(X509Certificate? presented)
    {
        if (presented is null) return PeerVerification.Refuse("it presented no certificate; every caller needs one from the install CA");
        if (current is not { } loaded) return PeerVerification.Refuse("this process has no TLS identity loaded yet");
        return VerifyAgainst(loaded.Authorities, presented, time.GetUtcNow().UtcDateTime);
    }

    /// <summary>Checks a certificate against <paramref name="authorities"/> at <paramref name="now"/> and reads its identity.</summary>
    public static PeerVerification VerifyAgainst(X509Certificate2Collection authorities, X509Certificate? presented, DateTime now)
    {
        if (presented is null) return PeerVerification.Refuse("it presented no certificate; every caller needs one from the install CA");
        var certificate = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(certificate))
        {
            var problems = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return PeerVerification.Refuse($"its certificate '{certificate.Subject}' is not valid under the install CA ({problems})");
        }

        return PeerIdentity.FromCertificate(certificate) is { } identity
            ? new PeerVerification(identity, null)
            : PeerVerification.Refuse($"its certificate '{certificate.Subject}' names no etl-router identity");
    }

    /// <summary>Polls TLS_DIR until <paramref name="token"/> is cancelled.</summary>
    public async Task WatchAsync(TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false)) Reload();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Loaded Require() => current ?? throw new InvalidOperationException($"no TLS identity loaded from {settings.Directory}");
}
