using System.Globalization;
using System.Text;
using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>
/// A throwaway ClickHouse (Debian's clickhouse-server, which `make test` installs) on 127.0.0.1 and free ports,
/// with its data in a temporary directory; it can be killed and started again on the same port and data, and is
/// stopped and deleted on dispose. Without the binary, tests that need it skip with the reason.
/// </summary>
public sealed class ClickHouseServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ChildProcess process;

    private ClickHouseServer(string binary, string directory, int httpPort, int tcpPort)
    {
        Directory = directory;
        HttpPort = httpPort;
        File.WriteAllText(Path.Combine(directory, "users.xml"), """
            <?xml version="1.0"?>
            <yandex>
              <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
              <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
              <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """);
        File.WriteAllText(Path.Combine(directory, "config.xml"), string.Create(CultureInfo.InvariantCulture, $"""
            <?xml version="1.0"?>
            <yandex>
              <logger><level>warning</level><console>1</console></logger>
              <http_port>{httpPort}</http_port>
              <tcp_port>{tcpPort}</tcp_port>
              <listen_host>127.0.0.1</listen_host>
              <path>{directory}/data/</path>
              <tmp_path>{directory}/tmp/</tmp_path>
              <user_files_path>{directory}/user_files/</user_files_path>
              <format_schema_path>{directory}/format_schemas/</format_schema_path>
              <users_config>{directory}/users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <mark_cache_size>104857600</mark_cache_size>
            </yandex>
            """));
        process = ChildProcess.Program(binary, [$"--config-file={directory}/config.xml"]);
    }

    public string Directory { get; }

    public int HttpPort { get; }

    public string Url => $"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}";

    public ChildProcess Process => process;

    /// <summary>The server binary, or null with why it is missing.</summary>
    public static string? Binary => Executables.Find("clickhouse-server") ?? Executables.Find("clickhouse");

    public static async Task<ClickHouseServer> StartAsync()
    {
        var binary = Binary ?? throw Xunit.Sdk.SkipException.ForSkip(
            "clickhouse-server is not on PATH: run the tests with `make test`, which installs Debian's clickhouse-server, or install it");
        var ports = FreePorts.Take(2);
        var server = new ClickHouseServer(binary, System.IO.Directory.CreateTempSubdirectory("etl-clickhouse-").FullName, ports[0], ports[1]);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again, after a kill) and waits until it answers queries.</summary>
    public async Task StartAgainAsync()
    {
        process.Start();
        await Eventually.WaitUntil(async () => (await QueryAsync("SELECT 1")).Trim() == "1", $"ClickHouse answering on {Url}", TimeSpan.FromSeconds(60), process.Describe);
    }

    /// <summary>Runs a statement over the HTTP interface and returns its output (TabSeparated unless it says otherwise).</summary>
    public async Task<string> QueryAsync(string statement)
    {
        using var response = await Http.PostAsync(Url, new StringContent(statement, Encoding.UTF8, "text/plain"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"ClickHouse: {text}");
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        process.Kill();
        process.Dispose();
        await Task.Yield();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
