namespace EtlRouter.Security.Tls;

/// <summary>TLS_MODE: how a process's ports and calls are protected.</summary>
public enum TransportMode
{
    /// <summary>Mutual TLS with certificates from the install CA (the default).</summary>
    Mutual,

    /// <summary>No TLS and no identities: every caller may do everything. Only by explicit choice, loudly logged.</summary>
    Plaintext,
}
