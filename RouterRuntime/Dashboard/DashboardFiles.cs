using Microsoft.Extensions.FileProviders;

namespace EtlRouter.RouterRuntime.Dashboard;

/// <summary>
/// Serves the web dashboard (web/, a static SvelteKit build) at / on GRAPHQL_PORT, so nothing else has to run
/// beside the router. The build's hashed assets are cached for good; the pages are revalidated, so a new router
/// serves its new dashboard at once. Without a built dashboard / says how to build one.
/// </summary>
internal static class DashboardFiles
{
    public static void UseDashboard(this WebApplication app, string directory)
    {
        if (!File.Exists(Path.Combine(directory, "index.html")))
        {
            app.MapGet("/", () => Results.Text(
                $"The dashboard is not built into {directory}: run `npm ci && npm run build` in web/ (make build does), or set DASHBOARD_DIR. GraphQL answers at /graphql.",
                statusCode: StatusCodes.Status404NotFound));
            return;
        }

        var files = new PhysicalFileProvider(directory);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl =
                context.File.PhysicalPath?.Contains($"{Path.DirectorySeparatorChar}immutable{Path.DirectorySeparatorChar}", StringComparison.Ordinal) == true
                    ? "public, max-age=31536000, immutable"
                    : "no-cache",
        });
    }
}
