using DumGum.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Infrastructure;

/// <summary>
/// Base of the pipeline's acceptance suite: every test runs twice, once per storage provider. Each suite class is
/// abstract, with one sealed subclass per provider (<c>…OnSqlite</c>, <c>…OnPostgres</c>) that only picks it.
/// </summary>
public abstract class StorageSuite(StorageProvider provider)
{
    protected StorageProvider Provider { get; } = provider;

    protected DumGumHost StartHost(string? databasePath = null, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null) => DumGumHost.Start(databasePath, settings, services, Provider);

    /// <summary>A database of this suite's provider, opened directly (not through a server).</summary>
    protected Database OpenDatabase(string? databasePath = null)
    {
        var location = databasePath ?? DumGumHost.NewDatabase(Provider);
        return Provider == StorageProvider.Sqlite ? Database.Sqlite(location) : Database.Postgres(location);
    }
}
