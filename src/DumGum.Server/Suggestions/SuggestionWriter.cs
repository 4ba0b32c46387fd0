using DumGum.Replies;
using Microsoft.Extensions.AI;

namespace DumGum.Suggestions;

/// <summary>
/// Writes the three suggestions. Through the registered <see cref="IChatClient"/> pipeline (asking for
/// <c>{"suggestions": [...]}</c>), unless the request is in test mode or the pipeline is the offline engine: then
/// the offline templates, which are free and deterministic. The answer always holds exactly three distinct,
/// non-empty suggestions: when the model's answer has fewer usable ones it is asked once more, and what is still
/// missing after that comes from the offline templates (logged). Only a model call that fails outright (the first
/// one) is an error, <see cref="SuggestionFailedException"/>.
/// </summary>
public sealed class SuggestionWriter(IChatClient model, TimeProvider clock, ILogger<SuggestionWriter> log)
{
    public const int Count = 3;

    /// <summary>The endpoint's bound on the whole call, retry included (504 <c>suggestion-timeout</c> past it).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The pipeline is the built-in offline engine (no model configured); it cannot write suggestions.</summary>
    public bool ModelIsOffline => model.GetService<OfflineChatClient>() is not null;

    public async Task<SuggestionSet> WriteAsync(SuggestionRequest request, string projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.TestMode || ModelIsOffline)
            return new SuggestionSet(request.Mode, SuggestionPhrases.Compose(request), "offline");

        var prompt = SuggestionPrompt.Build(request, clock.GetUtcNow());
        var options = SuggestionPrompt.Options(projectId);
        ChatResponse first;
        try
        {
            first = await model.GetResponseAsync(prompt, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new SuggestionFailedException($"the model call failed: {ex.Message}", ex);
        }
        var suggestions = SuggestionParser.Parse(first.Text);
        if (suggestions.Count < Count)
        {
            log.LogInformation("Suggestions: the model gave {Count} usable suggestions; asking once more", suggestions.Count);
            List<ChatMessage> retry = [.. prompt, new(ChatRole.Assistant, first.Text), new(ChatRole.User, SuggestionPrompt.RetryInstruction(suggestions.Count))];
            try
            {
                var second = await model.GetResponseAsync(retry, SuggestionPrompt.Options(projectId), cancellationToken);
                SuggestionParser.AddDistinct(suggestions, SuggestionParser.Parse(second.Text));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                log.LogWarning(ex, "Suggestions: the second model call failed");
            }
        }
        var source = "model";
        if (suggestions.Count < Count)
        {
            log.LogWarning("Suggestions: the model gave {Count} usable suggestions after a retry; the rest come from the offline templates",
                suggestions.Count);
            SuggestionParser.AddDistinct(suggestions, SuggestionPhrases.Compose(request));
            source = "model+offline";
        }
        return new SuggestionSet(request.Mode, suggestions.Take(Count).ToList(), source);
    }
}

/// <summary>The model could not be asked at all (network, provider error); the endpoint answers 502 <c>suggestion-failed</c>.</summary>
public sealed class SuggestionFailedException(string message, Exception? inner = null) : Exception(message, inner);
