namespace EtlRouter.Sidecar.Configuration;

/// <summary>A setting the sidecar cannot start with; the message names the variable and an example.</summary>
internal sealed class SidecarConfigurationException(string message) : Exception(message);
