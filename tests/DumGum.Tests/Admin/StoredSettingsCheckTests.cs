using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DumGum.Storage;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DumGum.Tests.Admin;

/// <summary>docs/behaviour.md, "Projects and customer endpoints": stored settings that break a save-time rule are named at start.</summary>
public sealed class StoredSettingsCheckTests
{
    sealed class Collector : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue((logLevel, formatter(state, exception)));
        public void Dispose() { }
    }

    [Fact]
    public async Task A_project_stored_before_the_rules_is_reported_by_project_and_field()
    {
        await using var customer = await FakeCustomer.StartAsync();
        string projectId, good;
        string path;
        await using (var host = DumGumHost.Start())
        {
            path = host.DatabasePath;
            projectId = (await host.CreateProjectAsync(customer)).Id;
            good = (await host.CreateProjectAsync(customer)).Id;
        }
        // Written straight to the database, as an older version could have saved it.
        using (var database = Database.Sqlite(path))
        using (var connection = database.Open())
        {
            var config = JsonNode.Parse((string)connection.Sql("SELECT config FROM projects WHERE id = @id").With("@id", projectId).ExecuteScalar()!)!;
            config["profileEndpointUrl"] = customer.ProfileUrl + "#fragment";
            config["customHeaders"] = new JsonObject { ["X-Token"] = "caf\u00e9", ["Connection"] = "close" };
            connection.Sql("UPDATE projects SET config = @c WHERE id = @id").With("@c", config.ToJsonString()).With("@id", projectId).ExecuteNonQuery();
        }

        var collector = new Collector();
        await using var restarted = DumGumHost.Start(path, services: s => s.AddSingleton<ILoggerProvider>(collector));
        var warnings = collector.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.Contains("breaks a rule", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Contains(projectId, w, StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("profileEndpointUrl", StringComparison.Ordinal) && w.Contains("#fragment", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("customHeaders.X-Token", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("customHeaders.Connection", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains(good, StringComparison.Ordinal));
    }
}
