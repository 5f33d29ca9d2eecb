using EtlRouter.OperatorRuntime.Queue;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Runtime;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_added_twice_while_waiting_is_handed_out_once()
    {
        var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(TestContext.Current.CancellationToken));
        Assert.Equal("b", await queue.TakeAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_to_a_second_worker_until_done()
    {
        var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        queue.Add("a");
        var first = await queue.TakeAsync(TestContext.Current.CancellationToken);
        queue.Add("a");
        Assert.Equal(0, queue.Count);

        using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TakeAsync(shortWait.Token));

        queue.Done(first);
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Failures_back_off_exponentially_up_to_the_cap_and_forget_resets()
    {
        var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(400), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), queue.AddRateLimited("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("b"));
        queue.Forget("a");
        Assert.Equal(0, queue.Failures("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("a"));
    }

    [Fact]
    public async Task A_delayed_add_arrives_after_its_delay()
    {
        var queue = new WorkQueue<string>(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        queue.AddAfter("a", TimeSpan.FromMilliseconds(150));
        Assert.Equal(0, queue.Count);
        await Eventually.WaitUntil(() => queue.Count == 1, "the delayed key");
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(140));
    }
}
