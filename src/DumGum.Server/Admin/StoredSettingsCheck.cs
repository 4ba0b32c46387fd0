using DumGum.Customers;
using DumGum.Projects;
using Microsoft.Extensions.Options;

namespace DumGum.Admin;

/// <summary>
/// At start, names every project whose stored settings break a rule of today's save-time checks (saved before the rule
/// existed, or written straight to the database): one warning per project and field, so an operator can fix what would
/// make its calls fail (docs/behaviour.md, "Projects and customer endpoints").
/// </summary>
public sealed class StoredSettingsCheck(ProjectStore projects, IOptions<SecurityOptions> security, ILogger<StoredSettingsCheck> log) : IHostedService
{
    /// <summary>Every (project, field, problem) that breaks a save-time rule.</summary>
    public static IEnumerable<(string ProjectId, string Field, string Problem)> Find(IEnumerable<Project> projects, bool allowPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(projects);
        foreach (var p in projects)
        {
            foreach (var (field, url) in new[]
                     {
                         ("profileEndpointUrl", p.Config.ProfileEndpointUrl), ("chatHistoryEndpointUrl", p.Config.ChatHistoryEndpointUrl),
                         ("incomingContentEndpointUrl", p.Config.IncomingContentEndpointUrl),
                     })
            {
                if (!EndpointUrlRule.TryNormalize(url, allowPrivateNetworks, out var normalized, out var problem))
                    yield return (p.Id, field, problem!);
                else if (normalized != url)
                    yield return (p.Id, field, $"the host must be stored as punycode ({normalized})");
            }
            foreach (var (name, value) in p.Config.CustomHeaders)
                if (CustomHeadersRule.Problem(name, value) is { } problem)
                    yield return (p.Id, "customHeaders." + name, problem);
            if (p.Config.MemoryWebhookUrl is { } memoryUrl && !EndpointUrlRule.TryNormalize(memoryUrl, allowPrivateNetworks, out _, out var memoryProblem))
                yield return (p.Id, "memoryWebhookUrl", memoryProblem!);
            foreach (var (name, value) in p.Config.MemoryWebhookCustomHeaders)
                if (CustomHeadersRule.Problem(name, value) is { } problem)
                    yield return (p.Id, "memoryWebhookCustomHeaders." + name, problem);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (project, field, problem) in Find(projects.All(), security.Value.AllowPrivateNetworkEndpoints))
            log.LogWarning("Project {ProjectId}: the stored {Field} breaks a rule of saved settings: {Problem}. Its calls may fail; save a corrected value",
                project, field, problem);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
