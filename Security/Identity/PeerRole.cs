namespace EtlRouter.Security.Identity;

/// <summary>What a certificate's holder is; authorization decides by role (and a sidecar's namespace).</summary>
public enum PeerRole
{
    /// <summary>A router node: Raft, forwarding between nodes.</summary>
    Router,

    /// <summary>The operator: writes pipelines, changes membership.</summary>
    Operator,

    /// <summary>A person or tool with full rights (etlctl with an admin certificate).</summary>
    Admin,

    /// <summary>A person or tool that may read state and nothing else.</summary>
    Viewer,

    /// <summary>The sidecar of one pod, in one namespace.</summary>
    Sidecar,
}
