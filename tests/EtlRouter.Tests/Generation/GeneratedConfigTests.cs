using EtlRouter.Operator.Generation;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Generation;

public sealed class GeneratedConfigTests
{
    [Fact]
    public void Committed_crds_rbac_and_chart_copies_equal_what_the_classes_generate()
    {
        var stale = new List<string>();
        foreach (var (relative, content) in ConfigGenerator.Render())
        {
            var path = Path.Combine(RepositoryRoot.Path, relative);
            if (!File.Exists(path) || File.ReadAllText(path) != content)
                stale.Add(relative);
        }

        Assert.True(stale.Count == 0, $"generated files are out of date: {string.Join(", ", stale)}; run `make generate` and commit the result");
    }

    [Fact]
    public void Every_crd_has_status_subresource_categories_short_names_and_printer_columns()
    {
        foreach (var (relative, content) in ConfigGenerator.Render().Where(f => f.Key.StartsWith("config/crd/etl.router_", StringComparison.Ordinal)))
        {
            var crd = k8s.KubernetesYaml.Deserialize<k8s.Models.V1CustomResourceDefinition>(content);
            var version = Assert.Single(crd.Spec.Versions);
            Assert.NotNull(version.Subresources?.Status);
            Assert.Contains("etl", crd.Spec.Names.Categories);
            Assert.NotEmpty(crd.Spec.Names.ShortNames);
            Assert.Contains(version.AdditionalPrinterColumns, c => c.Name == "Age");
            Assert.Equal("object", version.Schema.OpenAPIV3Schema.Properties["spec"].Type);
            Assert.False(string.IsNullOrEmpty(version.Schema.OpenAPIV3Schema.Description), relative);
        }
    }

    [Theory]
    [InlineData("config/default")]
    [InlineData("config/certmanager")]
    [InlineData("config/dev")]
    [InlineData("config/samples")]
    public async Task Every_kustomization_builds_and_the_webhook_configurations_are_in_it(string folder)
    {
        var kubectl = Executables.Find("kubectl");
        if (kubectl is null) Assert.Skip("kubectl is not on PATH: cannot run `kubectl kustomize`");

        var kustomized = await ProcessRun.RunAsync(kubectl, ["kustomize", Path.Combine(RepositoryRoot.Path, folder)], TimeSpan.FromSeconds(60));
        Assert.True(kustomized.Succeeded, $"kubectl kustomize {folder} failed: {kustomized}");
        if (folder != "config/samples")
        {
            Assert.Contains("kind: MutatingWebhookConfiguration", kustomized.Output, StringComparison.Ordinal);
            Assert.Contains("kind: ValidatingWebhookConfiguration", kustomized.Output, StringComparison.Ordinal);
        }
    }
}
