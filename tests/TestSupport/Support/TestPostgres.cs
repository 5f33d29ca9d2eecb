using Xunit;

namespace EtlRouter.Tests.Support;

/// <summary>
/// The PostgreSQL the README's test command starts (ETL_TEST_POSTGRES, a connection string). Tests that need
/// it skip with this reason when it is not set.
/// </summary>
public static class TestPostgres
{
    public static string? ConnectionString => Environment.GetEnvironmentVariable("ETL_TEST_POSTGRES") is { Length: > 0 } c ? c : null;

    public static string Require()
    {
        return ConnectionString ?? throw Xunit.Sdk.SkipException.ForSkip(
            "ETL_TEST_POSTGRES is not set: run the tests with `make test`, which starts PostgreSQL, or point it at one");
    }
}
