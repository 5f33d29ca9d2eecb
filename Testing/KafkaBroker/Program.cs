using EtlRouter.Testing.KafkaBroker;

// etl-kafka-broker [--brokers N] [--topic NAME:PARTITIONS]...: starts librdkafka's mock cluster with N brokers
// (default 3) on loopback, creates the topics, prints "bootstrap HOST:PORT,..." and serves until SIGTERM or Ctrl-C.
// Lines on stdin control it: "down N" and "up N" take broker N down and bring it back. The cluster lives in this
// process: killing it is an outage that loses what it held, as a mock's memory does.
var brokers = 3;
var topics = new List<(string Name, int Partitions)>();
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--brokers" when int.TryParse(value, out var n) && n is >= 1 and <= 9:
            brokers = n;
            i++;
            break;
        case "--topic" when value?.Split(':') is [{ Length: > 0 } name, var count] && int.TryParse(count, out var partitions) && partitions is >= 1 and <= 256:
            topics.Add((name, partitions));
            i++;
            break;
        default:
            Console.Error.WriteLine($"'{args[i]}' is not understood; usage: etl-kafka-broker [--brokers 1-9] [--topic NAME:PARTITIONS]...");
            return 2;
    }
}

using var cluster = new MockCluster(brokers);
foreach (var (name, partitions) in topics) cluster.CreateTopic(name, partitions, Math.Min(3, brokers));
Console.WriteLine($"bootstrap {cluster.BootstrapServers}");

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopping.Cancel();
_ = Task.Run(() =>
{
    // Stdin may be closed from the start (a test runner's): then there are no controls, and the broker serves on.
    while (Console.In.ReadLine() is { } line)
    {
        try
        {
            switch (line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                case ["down", var id] when int.TryParse(id, out var broker): cluster.SetDown(broker); Console.WriteLine($"broker {broker} down"); break;
                case ["up", var id] when int.TryParse(id, out var broker): cluster.SetUp(broker); Console.WriteLine($"broker {broker} up"); break;
                default: Console.Error.WriteLine($"'{line}' is not a control; use: down N | up N"); break;
            }
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
        }
    }
});
await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
return 0;
