using System.Globalization;
using System.Threading.Channels;
using Confluent.Kafka;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Connectors.Sources;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Kafka;

/// <summary>
/// Reads --topic (or every topic matching --topic-pattern; a stage option of the same name wins) in a consumer group (--group-id; by default one per
/// pipeline stage, etl.NAMESPACE.PIPELINE.STAGE, from the options the sidecar sends), its partitions spread across
/// the stage's replicas by the cooperative-sticky protocol. Offsets are never committed automatically: per partition
/// the committed offset is the lowest record not yet acknowledged end to end, committed at most every 500 ms and
/// when a partition is revoked, so a crash or a rebalance reads again what may not have been delivered and never
/// skips (at-least-once). A new group starts at --start-from earliest (default), latest, or a time (ISO 8601 or
/// Unix milliseconds); an existing group resumes from its commits. Record id and origin offset are
/// topic/partition/offset; the Kafka key is the record key, headers are carried, the message time is the event time.
/// A replica nobody reads any more (its stage moved away or was scaled in) leaves the group after
/// --leave-after-idle-seconds (default 10), so its partitions go to the replicas that still read.
/// </summary>
internal sealed class KafkaSource : PullSource, IDisposable
{
    private const int ReadAhead = 5000;
    private static readonly TimeSpan CommitEvery = TimeSpan.FromMilliseconds(500);
    private readonly ConnectorIdentity identity;
    private readonly ConnectorSettings settings;
    private readonly Channel<ReadRecord> rows = Channel.CreateBounded<ReadRecord>(new BoundedChannelOptions(ReadAhead) { SingleWriter = true });
    private readonly PartitionCommits commits = new();
    private readonly ILogger logger;
    private readonly TimeSpan leaveAfterIdle;
    private readonly StartFrom startFrom;
    private readonly object lifecycle = new();
    private Consumption? consumption;
    private long idleVersion;
    private volatile string? failure;

    public KafkaSource(ConnectorIdentity identity, ConnectorSettings settings)
    {
        this.identity = identity;
        this.settings = settings;
        if (settings.Text("topic") is not null && settings.Text("topic-pattern") is not null)
            throw new ConnectorSettingsException("topic: give one of --topic NAME or --topic-pattern REGEX, not both");
        startFrom = StartFrom.Parse(settings.Text("start-from", "earliest"));
        leaveAfterIdle = TimeSpan.FromSeconds(settings.Number("leave-after-idle-seconds", 10, 1, 3600));

        // The group is joined with the first session; the settings are checked now, with a client that joins nothing.
        var check = new ConsumerConfig { GroupId = "etl.settings-check" };
        KafkaSettings.Apply(check, settings);
        KafkaSettings.Checked(settings, () => new ConsumerBuilder<byte[]?, byte[]?>(check).Build()).Dispose();
        logger = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)).CreateLogger("EtlRouter.Connectors.KafkaSource");
    }

    /// <summary>Partitions this replica reads now.</summary>
    public int AssignedPartitions => commits.Count;

    /// <summary>Offsets committed to the group so far (a partition's commit counts each time it moves).</summary>
    public long Commits { get; private set; }

    /// <summary>Per partition: the committable offset and the records read and not yet acknowledged.</summary>
    public IReadOnlyList<(TopicPartition Partition, long? Committable, int InFlight)> Positions => commits.Positions();

    /// <summary>Why the consumer stopped, when it did (a setting librdkafka refused, a fatal broker error).</summary>
    public string? Failure => failure;

    protected override bool Ready => rows.Reader.TryPeek(out _);

    protected override bool Exhausted => false;

    protected override void OnSessionStarted(ReadRequest first)
    {
        lock (lifecycle)
        {
            idleVersion++;
            if (consumption is not null) return;
            // The stage's options win over the flags, as for every connector: a pipeline may name its own topic.
            var topic = settings.Text("topic", first.Options);
            var pattern = topic is null ? settings.Text("topic-pattern", first.Options) : null;
            if (topic is null && pattern is null)
            {
                failure = "topic: not set; give --topic NAME or --topic-pattern REGEX, or the stage option topic";
                logger.LogError("{Name}: {Failure}", identity.Name, failure);
                return;
            }

            var config = ConsumerConfig(first);
            consumption = new Consumption(token => ConsumeLoop(config, topic, pattern, token));
        }
    }

    protected override void OnSessionEnded()
    {
        long version;
        lock (lifecycle) version = ++idleVersion;
        _ = Task.Run(async () =>
        {
            await Task.Delay(leaveAfterIdle);
            Consumption? leaving;
            lock (lifecycle)
            {
                leaving = idleVersion == version ? consumption : null;
                if (leaving is not null) consumption = null;
            }

            if (leaving is null) return;
            logger.LogInformation("{Name}: nobody has read for {Seconds:0} s; leaving the group so the replicas that read take the partitions", identity.Name, leaveAfterIdle.TotalSeconds);
            leaving.Stop();
        });
    }

    protected override Record? Next(MapField<string, string> options)
    {
        while (rows.Reader.TryRead(out var read))
        {
            // Read under an assignment this replica has since lost: the partition's new owner reads it again.
            if (commits.EpochOf(read.Partition) == read.Epoch) return read.Record;
        }

        return null;
    }

    protected override Task WaitForDataAsync(CancellationToken cancellationToken) => rows.Reader.WaitToReadAsync(cancellationToken).AsTask();

    protected override void OnAcknowledged(Record record)
    {
        if (KafkaSettings.TryParsePosition(record.Origin.Offset, out var partition, out var offset)) commits.Acknowledge(partition, offset);
    }

    public void Dispose()
    {
        Consumption? running;
        lock (lifecycle)
        {
            running = consumption;
            consumption = null;
        }

        running?.Stop();
    }

    private ConsumerConfig ConsumerConfig(ReadRequest first)
    {
        var config = new ConsumerConfig
        {
            GroupId = settings.Text("group-id", first.Options) ?? DefaultGroup(first.Reader),
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            AutoOffsetReset = startFrom.Reset,
            ClientId = identity.Name,
        };
        KafkaSettings.Apply(config, settings);
        return config;
    }

    /// <summary>One group per pipeline stage, so two pipelines reading one topic each get every record.</summary>
    private string DefaultGroup(Reader? reader) =>
        reader is { Pipeline.Length: > 0 } ? $"etl.{reader.Namespace}.{reader.Pipeline}.{reader.Stage}" : $"etl.{identity.Name}";

    private void ConsumeLoop(ConsumerConfig config, string? topic, string? pattern, CancellationToken stop)
    {
        try
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
                .SetPartitionsAssignedHandler((c, partitions) => Assigned(c, partitions, startFrom))
                .SetPartitionsRevokedHandler((c, partitions) => Revoked(c, partitions.Select(p => p.TopicPartition).ToList()))
                .SetPartitionsLostHandler((_, partitions) => commits.Revoke(partitions.Select(p => p.TopicPartition)))
                .SetErrorHandler((_, error) => logger.LogWarning("{Name}: {Reason} ({Code})", identity.Name, error.Reason, error.Code))
                .Build();
            if (pattern is not null) consumer.Subscribe(pattern.StartsWith('^') ? pattern : "^" + pattern);
            else consumer.Subscribe(topic!);
            logger.LogInformation("{Name}: reading {Topics} in group {Group}", identity.Name, topic ?? pattern, config.GroupId);

            var held = new Queue<ReadRecord>();
            var paused = false;
            var lastCommit = DateTime.UtcNow;
            while (!stop.IsCancellationRequested)
            {
                // Downstream is slower: pause fetching (the group still sees this member alive) until there is room.
                while (held.TryPeek(out var next) && rows.Writer.TryWrite(next)) held.Dequeue();
                if (held.Count > 0 != paused)
                {
                    paused = !paused;
                    if (paused) consumer.Pause(consumer.Assignment);
                    else consumer.Resume(consumer.Assignment);
                }

                if (DateTime.UtcNow - lastCommit >= CommitEvery)
                {
                    Commit(consumer, commits.Due());
                    lastCommit = DateTime.UtcNow;
                }

                var result = consumer.Consume(paused ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(200));
                if (result?.Message is null) continue;
                var epoch = commits.EpochOf(result.TopicPartition);
                if (epoch == 0) continue;
                commits.Issue(result.TopicPartition, result.Offset.Value);
                held.Enqueue(new ReadRecord(ToRecord(result), result.TopicPartition, epoch));
            }

            Commit(consumer, commits.Due());
            consumer.Close();
        }
        catch (Exception e) when (e is KafkaException or ArgumentException or InvalidOperationException)
        {
            failure = e.Message;
            logger.LogError("{Name}: the Kafka consumer stopped: {Reason}; fix the setting and restart the connector", identity.Name, e.Message);
        }
    }

    private IEnumerable<TopicPartitionOffset> Assigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, StartFrom startFrom)
    {
        foreach (var partition in partitions) commits.Assign(partition);
        logger.LogInformation("{Name}: assigned {Partitions}", identity.Name, string.Join(", ", partitions));
        if (startFrom.Time is not { } time) return partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));

        // A group that committed nothing here yet starts at the time asked for; a committed partition resumes.
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
        var fresh = partitions.Where(p => !committed.TryGetValue(p, out var at) || at == Offset.Unset).ToList();
        var byTime = fresh.Count == 0 ? [] : consumer.OffsetsForTimes(fresh.Select(p => new TopicPartitionTimestamp(p, new Timestamp(time))), TimeSpan.FromSeconds(10))
            .ToDictionary(o => o.TopicPartition, o => o.Offset);
        return partitions.Select(p => new TopicPartitionOffset(p, byTime.TryGetValue(p, out var at) ? at : Offset.Unset));
    }

    private void Revoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        // What is done is committed before another member takes the partitions; what is in flight, it reads again.
        Commit(consumer, commits.Due(partitions));
        commits.Revoke(partitions);
        logger.LogInformation("{Name}: revoked {Partitions}", identity.Name, string.Join(", ", partitions));
    }

    private void Commit(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> due)
    {
        if (due.Count == 0) return;
        try
        {
            consumer.Commit(due);
            commits.Committed(due);
            Commits += due.Count;
        }
        catch (KafkaException e)
        {
            // Not committed: a later commit carries the same or a higher offset; a takeover reads a little more again.
            logger.LogWarning("{Name}: commit of {Offsets} failed ({Reason}); retrying with the next", identity.Name, string.Join(", ", due), e.Error.Reason);
        }
    }

    private Record ToRecord(ConsumeResult<byte[]?, byte[]?> result)
    {
        var position = KafkaSettings.PositionOf(result.TopicPartitionOffset);
        var record = new Record
        {
            Id = position,
            Key = result.Message.Key is { } key ? System.Text.Encoding.UTF8.GetString(key) : string.Empty,
            Value = result.Message.Value is { } value ? ByteString.CopyFrom(value) : ByteString.Empty,
            Origin = new RecordOrigin { Source = identity.Name, Offset = position },
        };
        if (result.Message.Timestamp.Type != TimestampType.NotAvailable)
            record.EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(result.Message.Timestamp.UtcDateTime);
        if (result.Message.Headers is { } headers)
        {
            foreach (var header in headers) record.Headers[header.Key] = System.Text.Encoding.UTF8.GetString(header.GetValueBytes());
        }

        return record;
    }

    /// <summary>One run of the consumer, from joining the group (the first session) to leaving it, on its own thread.</summary>
    private sealed class Consumption
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;

        public Consumption(Action<CancellationToken> loop)
        {
            thread = new Thread(() => loop(stop.Token)) { IsBackground = true, Name = "kafka-consumer" };
            thread.Start();
        }

        /// <summary>Commits what is done and leaves the group (the loop's end), waiting for it a while.</summary>
        public void Stop()
        {
            stop.Cancel();
            thread.Join(TimeSpan.FromSeconds(15));
        }
    }

    /// <summary>A record read from a partition under one assignment of it.</summary>
    private sealed record ReadRecord(Record Record, TopicPartition Partition, long Epoch);

    /// <summary>--start-from: where a group with no commits begins.</summary>
    private sealed record StartFrom(AutoOffsetReset Reset, DateTime? Time)
    {
        public static StartFrom Parse(string text) => text switch
        {
            "earliest" => new(AutoOffsetReset.Earliest, null),
            "latest" => new(AutoOffsetReset.Latest, null),
            _ when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) => new(AutoOffsetReset.Latest, DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime),
            _ when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) => new(AutoOffsetReset.Latest, at.UtcDateTime),
            _ => throw new ConnectorSettingsException($"start-from: '{text}' is not earliest, latest, an ISO 8601 time or Unix milliseconds"),
        };
    }
}
