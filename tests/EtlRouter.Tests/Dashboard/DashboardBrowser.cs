using EtlRouter.Tests.Support;
using Microsoft.Playwright;

namespace EtlRouter.Tests.Dashboard;

/// <summary>Where the browser tests find Chromium and the built dashboard, and where their screenshots go.</summary>
internal static class DashboardBrowser
{
    /// <summary>The dashboard as the router's build copied it beside etl-router.</summary>
    public static string BuiltIndex => Path.Combine(Path.GetDirectoryName(RouterProcess.DllPath)!, "wwwroot", "index.html");

    /// <summary>ETL_TEST_CHROMIUM, else Debian's chromium; null when neither is there.</summary>
    public static string? Chromium() =>
        new[] { Environment.GetEnvironmentVariable("ETL_TEST_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    public static async Task ScreenshotAsync(IPage page, string view)
    {
        var directory = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, ".artifacts", "screenshots")).FullName;
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"dashboard-{view}.png"), FullPage = true });
    }
}
