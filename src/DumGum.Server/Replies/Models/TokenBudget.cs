using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace DumGum.Replies.Models;

/// <summary>
/// Tokens (input + output) used per project and UTC day, in memory on this node: a restart or a second node starts
/// from zero, so the budget is a safety cap against runaway cost, not an invoicing ledger.
/// </summary>
public sealed class TokenBudget(TimeProvider clock)
{
    readonly ConcurrentDictionary<string, Day> usage = new(StringComparer.Ordinal);

    sealed class Day(DateOnly date)
    {
        public DateOnly Date = date;
        public long Tokens;
    }

    /// <summary>Tokens <paramref name="projectId"/> has used today (UTC).</summary>
    public long Used(string projectId)
    {
        if (!usage.TryGetValue(projectId, out var day)) return 0;
        var today = Today();
        lock (day) return day.Date == today ? day.Tokens : 0;
    }

    public void Add(string projectId, long tokens)
    {
        if (tokens <= 0) return;
        var today = Today();
        var day = usage.GetOrAdd(projectId, _ => new Day(today));
        lock (day)
        {
            if (day.Date != today)
            {
                day.Date = today;
                day.Tokens = 0;
            }
            day.Tokens += tokens;
        }
    }

    DateOnly Today() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
}

/// <summary>
/// Refuses a model call once the project in <c>ChatOptions.AdditionalProperties["dumgum.projectId"]</c> has used its
/// daily budget (<see cref="TokenBudgetExceededException"/>), and books every response's token usage. Calls without a
/// project id are neither checked nor booked. A budget of 0 switches the check off (usage is still counted).
/// </summary>
public sealed class TokenBudgetChatClient(IChatClient innerClient, TokenBudget budget, long dailyTokensPerProject)
    : DelegatingChatClient(innerClient)
{
    public const string ProjectIdKey = "dumgum.projectId";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var project = ProjectOf(options);
        Check(project);
        var response = await base.GetResponseAsync(messages, options, cancellationToken);
        if (project is not null) budget.Add(project, Tokens(response.Usage));
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var project = ProjectOf(options);
        Check(project);
        long tokens = 0;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                foreach (var usage in update.Contents.OfType<UsageContent>()) tokens += Tokens(usage.Details);
                yield return update;
            }
        }
        finally
        {
            if (project is not null) budget.Add(project, tokens);
        }
    }

    void Check(string? project)
    {
        if (project is null || dailyTokensPerProject <= 0) return;
        var used = budget.Used(project);
        if (used >= dailyTokensPerProject) throw new TokenBudgetExceededException(project, used, dailyTokensPerProject);
    }

    static string? ProjectOf(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(ProjectIdKey, out var value) == true && value is string { Length: > 0 } id ? id : null;

    static long Tokens(UsageDetails? usage) =>
        usage is null ? 0 : usage.TotalTokenCount ?? (usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0);
}
