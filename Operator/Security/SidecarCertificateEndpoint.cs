using System.Net;
using System.Text.Json;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Security.Identity;
using k8s;
using k8s.Autorest;
using k8s.Models;
using EtlRouter.Operator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Security;

/// <summary>A sidecar's request: its projected ServiceAccount token and a signing request for its own key.</summary>
internal sealed record SidecarCertificateRequest(string? Token, string? Csr);

/// <summary>The answer: the sidecar's certificate and the CA bundle to trust peers with.</summary>
internal sealed record SidecarCertificateResponse(string Certificate, string CaBundle);

/// <summary>
/// Where sidecars get their identity, as Istio's agents get theirs from istiod: POST a projected ServiceAccount
/// token (audience <see cref="InstallAuthoritySettings.TokenAudience"/>) and a CSR to
/// <c>https://OPERATOR:9444/v1/sidecar-certificates</c>; the API server checks the token (TokenReview) and says
/// which pod it was issued to; the certificate names that pod and its namespace and lives an hour. The port is
/// TLS with the operator's own install-CA certificate, so the sidecar knows whom it hands its token to.
/// </summary>
[GenericRbac(Groups = ["authentication.k8s.io"], Resources = ["tokenreviews"], Verbs = RbacVerb.Create)]
internal static class SidecarCertificateEndpoint
{
    public const string Path = "/v1/sidecar-certificates";

    private const int MaxRequestBytes = 16 * 1024;
    private const string PodNameExtra = "authentication.kubernetes.io/pod-name";

    public static void ListenForSidecarCertificates(this KestrelServerOptions kestrel, InstallAuthoritySettings settings, IPAddress address)
    {
        if (settings.CertificatePort == 0) return;
        kestrel.Listen(address, settings.CertificatePort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, _) => kestrel.ApplicationServices.GetRequiredService<InstallAuthority>().OperatorIdentity?.Certificate,
                HandshakeTimeout = TimeSpan.FromSeconds(5),
            });
        });
    }

    public static void MapSidecarCertificates(this IEndpointRouteBuilder endpoints, InstallAuthoritySettings settings)
    {
        if (settings.CertificatePort == 0) return;
        endpoints.MapPost(Path, IssueAsync).RequireLocalPort(settings.CertificatePort);
    }

    private static async Task<IResult> IssueAsync(HttpContext http, InstallAuthority authority, IKubernetes kubernetes, InstallAuthoritySettings settings, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SidecarCertificateEndpoint).FullName!);
        if (http.Request.ContentLength is > MaxRequestBytes) return Refuse(StatusCodes.Status413PayloadTooLarge, $"the request is larger than {MaxRequestBytes} bytes");
        SidecarCertificateRequest? request;
        try
        {
            using var body = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                if (body.Length + read > MaxRequestBytes) return Refuse(StatusCodes.Status413PayloadTooLarge, $"the request is larger than {MaxRequestBytes} bytes");
                body.Write(buffer, 0, read);
            }

            request = JsonSerializer.Deserialize<SidecarCertificateRequest>(body.ToArray(), JsonSerializerOptions.Web);
        }
        catch (JsonException e)
        {
            return Refuse(StatusCodes.Status400BadRequest, $"the body is not JSON {{\"token\": \"...\", \"csr\": \"-----BEGIN CERTIFICATE REQUEST-----...\"}} ({e.Message})");
        }

        if (request?.Token is not { Length: > 0 } token) return Refuse(StatusCodes.Status400BadRequest, "token: missing; send the pod's projected ServiceAccount token");
        if (request.Csr is not { Length: > 0 } csr) return Refuse(StatusCodes.Status400BadRequest, "csr: missing; send a PEM certificate signing request for the sidecar's key");
        if (authority.BundlePem is not { } bundle) return Refuse(StatusCodes.Status503ServiceUnavailable, "the install CA is not loaded yet; try again shortly");

        V1TokenReview review;
        try
        {
            review = await kubernetes.AuthenticationV1.CreateTokenReviewAsync(
                new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Spec = new V1TokenReviewSpec { Token = token, Audiences = [settings.TokenAudience] } },
                cancellationToken: http.RequestAborted);
        }
        catch (HttpOperationException e)
        {
            logger.LogWarning("TokenReview failed ({Status}): {Body}", e.Response.StatusCode, e.Response.Content);
            return Refuse(StatusCodes.Status503ServiceUnavailable, "the API server could not review the token; try again shortly");
        }

        if (review.Status?.Authenticated != true)
        {
            logger.LogWarning("Refused a sidecar certificate from {Remote}: token not authenticated ({Error})", http.Connection.RemoteIpAddress, review.Status?.Error);
            return Refuse(StatusCodes.Status401Unauthorized, $"token: the API server did not accept it ({review.Status?.Error ?? "not authenticated"}); mount a projected token with audience {settings.TokenAudience}");
        }

        var user = review.Status.User;
        var parts = user?.Username?.Split(':') ?? [];
        var pod = user?.Extra is { } extra && extra.TryGetValue(PodNameExtra, out var names) ? names.FirstOrDefault() : null;
        if (parts is not ["system", "serviceaccount", var ns, _] || pod is not { Length: > 0 })
        {
            logger.LogWarning("Refused a sidecar certificate to {User}: not a pod's ServiceAccount token", user?.Username);
            return Refuse(StatusCodes.Status403Forbidden, $"token: {user?.Username} is not a pod's ServiceAccount token; mount a projected token (bound to the pod) with audience {settings.TokenAudience}");
        }

        var identity = PeerIdentity.Sidecar(ns, pod);
        try
        {
            var issued = authority.SignSidecar(csr, identity);
            logger.LogInformation("Issued {Identity} a certificate until {NotAfter:u}", identity, issued.NotAfter.ToUniversalTime());
            return Results.Json(new SidecarCertificateResponse(issued.ExportCertificatePem() + "\n", bundle), JsonSerializerOptions.Web);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return Refuse(StatusCodes.Status400BadRequest, $"csr: not a PEM certificate signing request ({e.Message})");
        }
    }

    private static IResult Refuse(int status, string message) => Results.Json(new { error = message }, JsonSerializerOptions.Web, statusCode: status);
}
