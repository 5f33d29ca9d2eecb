using System.Globalization;
using System.Text.Json;
using EtlRouter.Contracts.V1;
using Grpc.Net.Client;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>A reference connector (etl-connector) as a real process on 127.0.0.1, with its HTTP stats port.</summary>
public sealed class ConnectorProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ChildProcess process;

    public ConnectorProcess(string connector, string name, IEnumerable<string> settings)
        : this(connector, name, settings, FreePorts.Take(2))
    {
    }

    /// <summary>On given ports: a replacement for a connector, as a restarted container keeps its port.</summary>
    public ConnectorProcess(string connector, string name, IEnumerable<string> settings, int port, int httpPort)
        : this(connector, name, settings, [port, httpPort])
    {
    }

    private ConnectorProcess(string connector, string name, IEnumerable<string> settings, int[] ports)
    {
        Connector = connector;
        Name = name;
        Port = ports[0];
        HttpPort = ports[1];
        process = new ChildProcess(
            ChildProcess.Built("Connectors", "etl-connector"),
            [connector, "--name", name, "--port", Port.ToString(CultureInfo.InvariantCulture), "--http-port", HttpPort.ToString(CultureInfo.InvariantCulture), .. settings],
            []);
    }

    public string Connector { get; }

    public string Name { get; }

    public int Port { get; }

    public int HttpPort { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public string RecentOutput => process.RecentOutput;

    public ChildProcess Process => process;

    /// <summary>Starts it and waits until it answers ServiceInfo.</summary>
    public async Task StartAsync()
    {
        process.Start();
        using var channel = GrpcChannel.ForAddress($"http://{Endpoint}");
        await Eventually.WaitUntil(async () =>
        {
            await new ServiceInfo.ServiceInfoClient(channel).DescribeAsync(new DescribeServiceRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            return true;
        }, $"connector {Name} answering on {Endpoint}", TimeSpan.FromSeconds(30), process.Describe);
    }

    /// <summary>The connector's /stats counters.</summary>
    public async Task<JsonElement> StatsAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync($"http://127.0.0.1:{HttpPort}/stats")).RootElement;

    public async Task<long> StatAsync(string name) => (await StatsAsync()).GetProperty(name).GetInt64();

    public void Dispose() => process.Dispose();
}
