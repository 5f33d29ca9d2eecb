namespace EtlRouter.OperatorRuntime.Queue;

/// <summary>
/// client-go's work queue: a key waits at most once (adding it again while it waits changes nothing), a
/// key being processed is never handed to a second worker (an add during processing queues it again
/// once <see cref="Done"/> is called), and failures back off exponentially per key.
/// </summary>
internal sealed class WorkQueue<TKey>
    where TKey : notnull
{
    private readonly object _lock = new();
    private readonly Queue<TKey> _ready = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Dictionary<TKey, DateTime> _delayedUntil = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private bool _shutDown;

    public WorkQueue(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider? time = null)
    {
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Keys waiting to be processed.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _ready.Count;
        }
    }

    public void Add(TKey key)
    {
        lock (_lock)
        {
            if (_shutDown || !_dirty.Add(key))
                return;
            if (_processing.Contains(key))
                return;
            _ready.Enqueue(key);
        }

        _signal.Release();
    }

    /// <summary>Adds the key after a delay; of several delayed adds of one key, the earliest wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        var due = _time.GetUtcNow().UtcDateTime + delay;
        lock (_lock)
        {
            if (_shutDown)
                return;
            if (_delayedUntil.TryGetValue(key, out var existing) && existing <= due)
                return;
            _delayedUntil[key] = due;
        }

        _ = Task.Delay(delay, _time).ContinueWith(
            _ =>
            {
                lock (_lock)
                {
                    if (!_delayedUntil.TryGetValue(key, out var current) || current != due)
                        return;
                    _delayedUntil.Remove(key);
                }

                Add(key);
            },
            TaskScheduler.Default);
    }

    /// <summary>Adds the key after its backoff: base * 2^(failures so far), capped.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        int failures;
        lock (_lock)
        {
            _failures.TryGetValue(key, out failures);
            _failures[key] = failures + 1;
        }

        var delay = TimeSpan.FromMilliseconds(Math.Min(_baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)), _maxDelay.TotalMilliseconds));
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count after a success.</summary>
    public void Forget(TKey key)
    {
        lock (_lock)
            _failures.Remove(key);
    }

    public int Failures(TKey key)
    {
        lock (_lock)
            return _failures.GetValueOrDefault(key);
    }

    /// <summary>Waits for a key and marks it as being processed; call <see cref="Done"/> afterwards.</summary>
    public async Task<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_ready.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(TKey key)
    {
        lock (_lock)
        {
            _processing.Remove(key);
            if (!_dirty.Contains(key) || _shutDown)
                return;
            _ready.Enqueue(key);
        }

        _signal.Release();
    }

    public void ShutDown()
    {
        lock (_lock)
            _shutDown = true;
    }
}
