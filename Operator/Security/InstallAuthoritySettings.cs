namespace EtlRouter.Operator.Security;

/// <summary>The install CA the operator keeps, and what it issues; bound from configuration section "Install".</summary>
internal sealed class InstallAuthoritySettings
{
    /// <summary>The Secret in the operator's namespace holding the CA (ca.crt and ca.key).</summary>
    public string CaSecretName { get; set; } = "etl-router-ca";

    /// <summary>
    /// Whether the operator makes and rotates the CA. False when cert-manager keeps it (a CA Certificate whose
    /// Secret, tls.crt/tls.key/ca.crt, is <see cref="CaSecretName"/>): the operator then only reads it.
    /// </summary>
    public bool ManageCa { get; set; } = true;

    public TimeSpan CaValidity { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Router nodes' and the operator's own certificates; renewed when a third of their life is left.</summary>
    public TimeSpan IdentityValidity { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A sidecar's certificate: short, as Istio's workload certificates are; the sidecar renews it at half life.</summary>
    public TimeSpan SidecarValidity { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The HTTPS port where sidecars trade their ServiceAccount token for a certificate (0: not served).</summary>
    public int CertificatePort { get; set; } = 9444;

    /// <summary>The audience a sidecar's projected token must carry.</summary>
    public string TokenAudience { get; set; } = "etl-router";

    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Names the operator's certificate also carries (its certificate Service), for clients that check host names.</summary>
    public List<string> AdditionalHosts { get; set; } = [];
}
