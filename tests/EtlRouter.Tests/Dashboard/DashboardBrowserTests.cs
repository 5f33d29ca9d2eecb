using EtlRouter.Tests.Support;
using Microsoft.Playwright;
using Xunit;
using static EtlRouter.Testing.ProcessRig.DataPlanePipelines;

namespace EtlRouter.Tests.Dashboard;

/// <summary>
/// The dashboard in headless Chromium (Debian's, driven by Playwright) against a running local system: real
/// router, sidecars and connectors, a pipeline with fan-out whose transform fails some records. Screenshots of
/// every view go to .artifacts/screenshots (docs/screenshots holds the committed ones).
/// </summary>
public sealed class DashboardBrowserTests
{
    [Fact]
    public async Task The_dashboard_shows_the_cluster_a_flowing_pipeline_and_its_dead_letters_and_says_when_the_router_is_gone()
    {
        var chromium = DashboardBrowser.Chromium() ?? throw Skip("Chromium is not installed (Debian's chromium; `make test` installs it with apt where it can), or set ETL_TEST_CHROMIUM");
        if (!File.Exists(DashboardBrowser.BuiltIndex))
            Assert.Skip($"the dashboard is not built ({DashboardBrowser.BuiltIndex} is missing): scripts/build-dashboard needs Node.js and npm");

        await using var rig = await DataPlaneRig.StartAsync();
        var generator = await rig.ConnectorAsync("generator", "gen", "--rate", "300");
        var broken = await rig.ConnectorAsync("filter", "check", "--expression", "exists seq", "--fail-every", "40");
        var mask = await rig.ConnectorAsync("mask-pii", "mask");
        var files = await rig.ConnectorAsync("file", "files", "--path", Path.Combine(rig.Directory, "out.ndjson"));
        var archive = await rig.ConnectorAsync("discard", "archive");
        await rig.SidecarAsync("pod-source", generator);
        await rig.SidecarAsync("pod-mask", mask);
        await rig.SidecarAsync("pod-check", broken);
        await rig.SidecarAsync("pod-sinks", files, archive);
        await rig.ApplyAsync(Build("orders", maxRetries: 1, stages:
        [
            Source("source", "gen"), Transform("mask", "mask", "source"), Transform("check", "check", "mask"),
            Sink("files", "files", "check"), Sink("archive", "archive", "source").When("source", "country == 'DE'"),
        ]));

        // Every process of this test and of the tests beside it shares two cores: give the page time.
        Assertions.SetDefaultExpectTimeout(20_000);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        // As a user of a mutual-TLS install: the browser trusts nothing it was not told to (the test CA is no public
        // one) and presents an admin certificate, which /graphql asks for.
        var admin = TestCertificates.DirectoryFor(TestCertificates.Admin);
        var root = $"https://127.0.0.1:{rig.RouterNode.HttpPort}";
        var page = await browser.NewPageAsync(new()
        {
            ViewportSize = new() { Width = 1366, Height = 900 },
            IgnoreHTTPSErrors = true,
            ClientCertificates = [new() { Origin = root, CertPath = Path.Combine(admin, "tls.crt"), KeyPath = Path.Combine(admin, "tls.key") }],
        });
        // What the browser downloads (bodies as transferred, compressed where the router compressed them).
        var transfers = new List<Task<RequestSizesResult>>();
        page.RequestFinished += (_, request) => transfers.Add(request.SizesAsync());

        // Overview: the cluster's nodes and leader, the pipeline, the sidecars.
        await page.GotoAsync(root + "/");
        await Assertions.Expect(page.GetByTestId("node")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("leader")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("state-hash")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{12}$"));
        await Assertions.Expect(page.GetByTestId("log-format")).ToHaveTextAsync("2", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("divergence")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("pipeline-row")).ToContainTextAsync("default/orders");
        await Assertions.Expect(page.GetByTestId("pipeline-row")).ToContainTextAsync("5/5", new() { Timeout = 30_000 });
        var firstLoad = (await Task.WhenAll(transfers.ToList())).Sum(s => (long)s.ResponseBodySize);
        Assert.InRange(firstLoad, 10_000, 150_000);
        await DashboardBrowser.ScreenshotAsync(page, "overview");

        // The pipeline: its graph (fan-out from the source), stage details on click, and charts that move.
        await page.GetByRole(AriaRole.Link, new() { Name = "default/orders" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("pipeline-title")).ToHaveTextAsync("default/orders");
        await Assertions.Expect(page.GetByTestId("stage")).ToHaveCountAsync(5);
        await Assertions.Expect(page.GetByTestId("edge")).ToHaveCountAsync(4);
        await Assertions.Expect(page.GetByTestId("edge-condition")).ToHaveTextAsync("when country == 'DE'");
        await page.Locator("[data-testid=stage][data-stage=check]").ClickAsync();
        await Assertions.Expect(page.GetByTestId("stage-details")).ToContainTextAsync("pod-check");
        var before = await RecordsOutAsync(page);
        await Eventually.WaitUntil(async () => await RecordsOutAsync(page) > before + 100, "records out rising on the page", TimeSpan.FromSeconds(30));
        var throughput = page.Locator("[data-testid=chart][data-title=Throughput]");
        await Eventually.WaitUntil(async () => int.Parse(await throughput.GetAttributeAsync("data-points") ?? "0") >= 8, "the throughput chart has points", TimeSpan.FromSeconds(30));
        Assert.NotEqual("–", await page.GetByTestId("rate-out").TextContentAsync());
        await Assertions.Expect(page.GetByTestId("latency")).ToContainTextAsync(" ms", new() { Timeout = 15_000 });
        var latency = page.Locator("[data-testid=chart][data-title='Latency p99']");
        Assert.True(int.Parse(await latency.GetAttributeAsync("data-points") ?? "0") > 0, "the latency chart has points");
        await DashboardBrowser.ScreenshotAsync(page, "pipeline");

        // Dead letters: open one with its error, fix the transform, replay it: it leaves the list.
        await page.GotoAsync(root + "/dead-letters/?pipeline=default%2Forders");
        await Assertions.Expect(page.GetByTestId("dead-letter").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var row = page.GetByTestId("dead-letter").First;
        var id = await row.GetAttributeAsync("data-id");
        await row.GetByTestId("open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("details-error")).ToContainTextAsync("injected failure");
        await Assertions.Expect(page.GetByTestId("details-value")).ToContainTextAsync("\"seq\":");
        await DashboardBrowser.ScreenshotAsync(page, "dead-letters");

        broken.Process.Kill();
        using var fixedTransform = new ConnectorProcess("filter", "check", ["--expression", "exists seq"], broken.Port, broken.HttpPort);
        await fixedTransform.StartAsync();
        await page.GetByTestId("replay-one").ClickAsync();
        await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("Replay requested for 1 dead letter");
        await Assertions.Expect(page.Locator($"[data-testid=dead-letter][data-id='{id}']")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // The router goes away: the page says so rather than showing stale figures as live.
        await page.GotoAsync(root + "/");
        await Assertions.Expect(page.GetByTestId("node")).ToHaveCountAsync(1);
        await rig.RouterNode.StopAsync();
        await Assertions.Expect(page.GetByTestId("unreachable")).ToContainTextAsync("The router is unreachable", new() { Timeout = 15_000 });
        await DashboardBrowser.ScreenshotAsync(page, "unreachable");
        await File.WriteAllTextAsync(Path.Combine(RepositoryRoot.Path, ".artifacts", "screenshots", "first-load-bytes.txt"), $"{firstLoad}\n");
    }

    private static Exception Skip(string reason)
    {
        Assert.Skip(reason);
        return new InvalidOperationException(reason);
    }

    private static async Task<long> RecordsOutAsync(IPage page) =>
        long.TryParse((await page.GetByTestId("records-out").TextContentAsync() ?? "0").Replace(",", "", StringComparison.Ordinal), out var n) ? n : 0;
}
