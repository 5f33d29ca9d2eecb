using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using EtlRouter.Sidecar.Configuration;

namespace EtlRouter.Sidecar.Security;

/// <summary>
/// A sidecar without a certificate of its own gets one as Istio's agent does: it makes a key, sends a signing
/// request with the pod's projected ServiceAccount token to the operator (which asks the API server whose token it
/// is), and uses what comes back. It renews at half life, with a fresh token and key; open streams keep their
/// connections and new ones present the new certificate, so no stream is dropped.
/// </summary>
internal sealed class CertificateBootstrap(SidecarOptions options, IdentityCertificates certificates, ILogger<CertificateBootstrap> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    // When the certificate in use arrived: its life is counted from here, not from its NotBefore, which the CA
    // sets minutes early for clock skew (counted from there, a short-lived certificate is due at once).
    private DateTime receivedAt = DateTime.UtcNow;

    /// <summary>Whether this sidecar asks for its certificate rather than reading one from TLS_DIR.</summary>
    public static bool Applies(SidecarOptions options) =>
        options.Tls.IsMutual && !File.Exists(options.Tls.CertificateFile) && options.TokenFile is not null && options.CertificateEndpoint is not null;

    /// <summary>Asks until a certificate is issued (each refusal logged with its reason) or <paramref name="token"/> ends.</summary>
    public async Task IssueAsync(CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RequestAsync(token);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException or CryptographicException or TaskCanceledException && !token.IsCancellationRequested)
            {
                logger.LogWarning("Could not get this sidecar's certificate from {Endpoint} (attempt {Attempt}): {Error}", options.CertificateEndpoint, attempt, e.Message);
                await Task.Delay(RetryDelay, token);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var notAfter = certificates.Certificate.NotAfter.ToUniversalTime();
            var due = CertificateRenewal.SidecarRenewsAt(receivedAt, notAfter) - DateTime.UtcNow;
            try
            {
                if (due > TimeSpan.Zero) await Task.Delay(due, stoppingToken);
                await IssueAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RequestAsync(CancellationToken token)
    {
        var caBundle = options.CaBundlePem ?? (File.Exists(options.Tls.CaFile) ? await File.ReadAllTextAsync(options.Tls.CaFile, token) : null)
            ?? throw new IOException($"no install CA to trust: set TLS_CA_PEM or put ca.crt in {options.Tls.Directory}");
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPem(caBundle);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var identity = PeerIdentity.Sidecar(options.Namespace, options.SidecarId);
        using var request = RequestBody((await File.ReadAllTextAsync(options.TokenFile!, token)).Trim(), CertificateIssuer.CreateSigningRequestPem(key, identity));

        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        // The token goes only to the operator: its certificate must chain to the install CA and name the operator.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            IdentityCertificates.VerifyAgainst(authorities, presented, DateTime.UtcNow) is { Identity.Role: PeerRole.Operator };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
        using var response = await http.PostAsync(new Uri(options.CertificateEndpoint!, "/v1/sidecar-certificates"), request, token);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(token), cancellationToken: token);
        var body = document.RootElement;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode}: {(body.TryGetProperty("error", out var error) ? error.GetString() : response.ReasonPhrase)}");
        var issued = X509Certificate2.CreateFromPem(body.GetProperty("certificate").GetString()!).CopyWithPrivateKey(key);
        if (PeerIdentity.FromCertificate(issued) is not { } granted || granted != identity)
        {
            throw new IOException($"the operator issued a certificate for {PeerIdentity.FromCertificate(issued)} but this sidecar is {identity}; " +
                "SIDECAR_ID must be the pod's name (the injector sets it so)");
        }

        certificates.Use(issued, body.GetProperty("caBundle").GetString()!);
        receivedAt = DateTime.UtcNow;
    }

    // Written by hand rather than serialized from a type: nothing here needs reflection (the sidecar can be
    // compiled ahead of time).
    private static ByteArrayContent RequestBody(string serviceAccountToken, string csr)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("token", serviceAccountToken);
            json.WriteString("csr", csr);
            json.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }
}
