namespace EtlRouter.Connectors.Hosting;

/// <summary>A setting the connector cannot use; the message names it.</summary>
internal sealed class ConnectorSettingsException(string message) : Exception(message);
