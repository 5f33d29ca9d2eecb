namespace EtlRouter.SidecarInjector;

/// <summary>How the sidecar is added to a pod.</summary>
public enum SidecarMode
{
    /// <summary>Native when the cluster is 1.29 or newer, a regular container otherwise.</summary>
    Auto,

    /// <summary>An init container with restartPolicy Always: starts before and stops after the app containers.</summary>
    Native,

    /// <summary>A regular container beside the app's (clusters older than 1.29).</summary>
    Container,
}
