using System.Runtime.InteropServices;

namespace EtlRouter.Testing.KafkaBroker;

/// <summary>
/// librdkafka's mock cluster through its C API (rdkafka_mock.h): brokers that speak the Kafka protocol on loopback
/// (produce, fetch, consumer groups with offset commits, the idempotent producer), topics created with the partitions
/// asked for, and brokers taken down and up. Confluent.Kafka does not wrap this API, so it is called directly.
/// </summary>
internal sealed partial class MockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private readonly IntPtr client;
    private readonly IntPtr cluster;

    // librdkafka.redist ships several Linux builds; the plain one needs libsasl2.so.3, which Debian 12 lacks. Load
    // the first that loads, as Confluent.Kafka's own loader does for the connectors.
    static MockCluster() => NativeLibrary.SetDllImportResolver(typeof(MockCluster).Assembly, (name, _, _) => name == Library ? LoadLibrdkafka() : IntPtr.Zero);

    public MockCluster(int brokers)
    {
        var errors = new byte[512];
        client = rd_kafka_new(0, rd_kafka_conf_new(), errors, (UIntPtr)errors.Length);
        if (client == IntPtr.Zero) throw new InvalidOperationException($"librdkafka: {System.Text.Encoding.UTF8.GetString(errors).TrimEnd('\0')}");
        cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero) throw new InvalidOperationException("librdkafka could not start its mock cluster");
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster)) ?? string.Empty;
    }

    /// <summary>host:port,... of every broker.</summary>
    public string BootstrapServers { get; }

    public void CreateTopic(string name, int partitions, int replicationFactor) =>
        Check(rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), $"create topic {name}");

    /// <summary>Takes a broker (1-based id) down: its connections close and it refuses new ones until it is up again.</summary>
    public void SetDown(int broker) => Check(rd_kafka_mock_broker_set_down(cluster, broker), $"take broker {broker} down");

    public void SetUp(int broker) => Check(rd_kafka_mock_broker_set_up(cluster, broker), $"bring broker {broker} up");

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(client);
    }

    private static IntPtr LoadLibrdkafka()
    {
        var architecture = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{architecture}", "native");
        foreach (var candidate in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(folder, candidate), out var handle)) return handle;
        }

        throw new DllNotFoundException($"no librdkafka build in {folder} loads on this machine");
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new InvalidOperationException($"librdkafka could not {what}: {Marshal.PtrToStringUTF8(rd_kafka_err2str(error))}");
    }

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(IntPtr client);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr client, int brokers);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int broker);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int broker);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_err2str(int error);
}
