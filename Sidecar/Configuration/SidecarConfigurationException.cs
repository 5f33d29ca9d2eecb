namespace EtlRouter.Sidecar.Configuration;

/// <summary>A setting the sidecar cannot start with; the message names the variable and an example.</summary>
public sealed class SidecarConfigurationException(string message) : Exception(message);
