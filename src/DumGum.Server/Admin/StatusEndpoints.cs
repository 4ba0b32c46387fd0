using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Storage;
using Microsoft.Extensions.Options;

namespace DumGum.Admin;

/// <summary>What the reply engine is (the active provider, its models) and what it is not.</summary>
public sealed record EngineStatus(
    string Provider,
    string Kind,
    string Description,
    string? Endpoint,
    IReadOnlyList<EngineModel> Models,
    IReadOnlyList<string> OfflineLanguages,
    string TestModeEngine);

/// <summary>A logical <c>chatModel</c> and the backend model it is sent as.</summary>
public sealed record EngineModel(string Name, string BackendModel);

/// <summary>The answer of <c>GET /admin/v1/status</c>.</summary>
public sealed record ServerStatus(string Version, string Storage, EngineStatus Engine);

/// <summary><c>GET /admin/v1/status</c>: which reply engine and storage this node runs, so nobody mistakes the offline engine for a model.</summary>
public static class StatusEndpoints
{
    public const string OfflineDescription =
        "The built-in offline engine: a deterministic, rule-based dialogue engine, not a language model: a stand-in for integration work, demos and tests. Configure Generation:Provider=OpenAI to use a real model (README, 'Use a real model').";

    public const string ModelDescription = "An OpenAI-compatible model server (Generation:Endpoint).";

    public static RouteGroupBuilder MapStatus(this RouteGroupBuilder admin)
    {
        admin.MapGet("/status", (IOptions<GenerationOptions> options, Database database) => Results.Ok(Status(options.Value, database)))
            .WithName("GetStatus")
            .WithSummary("Which reply engine is active (the offline stand-in or a model server), its models, and the storage provider.")
            .Produces<ServerStatus>().ProducesProblem(401);
        return admin;
    }

    public static ServerStatus Status(GenerationOptions options, Database database)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(database);
        return new ServerStatus(
            typeof(StatusEndpoints).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            database.Dialect.Name,
            Engine(options));
    }

    public static EngineStatus Engine(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var offline = options.Provider == GenerationProvider.Offline;
        return new EngineStatus(
            options.Provider.ToString(),
            offline ? "offline" : "model",
            offline ? OfflineDescription : ModelDescription,
            offline ? null : options.Endpoint,
            offline
                ? [new EngineModel("*", OfflineChatClient.ModelId)]
                : [.. options.Models.OrderBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Select(m => new EngineModel(m.Key, m.Value.BackendModel ?? m.Key))],
            OfflineChatClient.Languages,
            OfflineChatClient.ModelId);
    }

    /// <summary>One line for the start banner and the log: which engine writes the replies.</summary>
    public static string Banner(GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider == GenerationProvider.Offline
            ? $"offline engine ({OfflineChatClient.ModelId}): a deterministic stand-in for integration, demos and tests, not a language model; see README 'Use a real model'"
            : $"OpenAI-compatible model server at {options.Endpoint}";
    }
}
