using DumGum.Customers;
using DumGum.Memory;
using DumGum.Memory.Extraction;
using DumGum.Replies;
using DumGum.Replies.Models;
using DumGum.Replies.Prompt;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace DumGum.Conversations;

/// <summary>
/// What a run reads facts from (docs/memory.md, "When memory is written"): the user's newest messages (those after
/// the persona's last message) as USER facts, and the reply's parts as PERSONA facts, in the conversation's language
/// and on the persona's local date (so "on Friday" means her Friday). With <c>Memory:ExtractionModel</c> set, a model
/// reads them in one structured-output call, billed with the answer; otherwise, in <c>testMode</c>, and whenever that
/// call fails, the offline extractor does (docs/memory.md, "Model extraction").
/// </summary>
public sealed class MemoryExtraction(
    IMemoryExtractor offline,
    ModelMemoryExtractor modelExtractor,
    ModelCatalog catalog,
    IOptions<MemoryExtractionOptions> options,
    ILogger<MemoryExtraction> log)
{
    /// <summary>The offline extractor alone: deterministic, no model, no network.</summary>
    public static IReadOnlyList<MemoryCandidate> Extract(IMemoryExtractor offline, ReplyContext context, IReadOnlyList<string> replyParts)
    {
        ArgumentNullException.ThrowIfNull(offline);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(replyParts);
        // The extractor's languages are ISO 639-1 codes: EN_GB and PT_BR are English and Portuguese.
        var language = context.Language.Split('_', '-')[0].ToLowerInvariant();
        var today = Today(context);
        var found = new List<MemoryCandidate>();
        foreach (var source in Sources(context, replyParts))
            found.AddRange(offline.Extract(source.Text, language, source.Target, today));
        return found;
    }

    /// <summary>
    /// The run's facts and how they were read. Never throws for a model failure or timeout: memory must not cost the
    /// reply, so the offline extractor stands in and the note says why.
    /// </summary>
    public async Task<(IReadOnlyList<MemoryCandidate> Facts, MemoryExtractionNote Note)> ExtractAsync(ReplyContext context,
        IReadOnlyList<string> replyParts, string projectId, bool testMode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(replyParts);
        var chatModel = options.Value.ExtractionModel;
        if (testMode || string.IsNullOrWhiteSpace(chatModel) || catalog.Provider == GenerationProvider.Offline)
            return Offline(context, replyParts, null);

        var sources = Sources(context, replyParts);
        if (sources.Count == 0) return ([], new MemoryExtractionNote(MemoryExtractionNote.Model, chatModel, null, 0, 0, 0m, 0, 0, null));
        var profile = catalog.Resolve(chatModel);
        var callOptions = new ChatOptions
        {
            ModelId = profile.BackendModel,
            Temperature = 0,
            MaxOutputTokens = 800,
            AdditionalProperties = new() { [TokenBudgetChatClient.ProjectIdKey] = projectId },
        };
        if (catalog.LegacyMaxTokens(chatModel)) OpenAIModelRouter.UseLegacyMaxTokens(callOptions, 800);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ExtractionTimeout);
        try
        {
            var result = await modelExtractor.ExtractAsync(callOptions, catalog.JsonMode(chatModel), sources, context.Memories, Today(context), timeout.Token);
            var cost = profile.Cost(result.InputTokens, result.OutputTokens);
            return (result.Facts, new MemoryExtractionNote(MemoryExtractionNote.Model, chatModel, result.ModelId ?? profile.BackendModel,
                result.InputTokens, result.OutputTokens, cost, result.Facts.Count, result.Refused, null));
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            var why = timeout.IsCancellationRequested
                ? cancellationToken.IsCancellationRequested ? "the run ended first" : $"no answer within {options.Value.ExtractionTimeout.TotalSeconds:0.#} s"
                : ex.Message;
            log.LogWarning("Project {ProjectId}: memory extraction with {ChatModel} failed ({Reason}); the offline extractor reads this run",
                projectId, chatModel, why);
            return Offline(context, replyParts, why);
        }
    }

    (IReadOnlyList<MemoryCandidate>, MemoryExtractionNote) Offline(ReplyContext context, IReadOnlyList<string> replyParts, string? fallback)
    {
        var facts = Extract(offline, context, replyParts);
        return (facts, new MemoryExtractionNote(MemoryExtractionNote.Offline, null, null, 0, 0, 0m, facts.Count, 0, fallback));
    }

    /// <summary>The messages a run reads: U1… the user's newest messages, P1… the reply's non-empty parts.</summary>
    public static IReadOnlyList<MemorySource> Sources(ReplyContext context, IReadOnlyList<string> replyParts)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(replyParts);
        var sources = new List<MemorySource>();
        foreach (var text in NewestUserMessages(context.History))
            sources.Add(new MemorySource("U" + (sources.Count + 1), MemoryTargets.User, text));
        var users = sources.Count;
        foreach (var part in replyParts)
            if (!string.IsNullOrWhiteSpace(part)) sources.Add(new MemorySource("P" + (sources.Count - users + 1), MemoryTargets.Persona, part));
        return sources;
    }

    static DateOnly Today(ReplyContext context)
    {
        var zone = ProfileRenderer.TimeZoneOf(context.Persona, context.Parameters.PersonaProfileOverrides, out _);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(context.Now, zone).DateTime);
    }

    /// <summary>The user's messages since the persona last wrote, oldest first: what this run answers.</summary>
    public static IEnumerable<string> NewestUserMessages(IReadOnlyList<HistoryMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var start = history.Count;
        while (start > 0 && history[start - 1].Sender == Sender.User) start--;
        for (var i = start; i < history.Count; i++)
            if (history[i].Text is { Length: > 0 } text) yield return text;
    }
}

/// <summary>Settings of memory extraction (section <c>Memory</c>), checked at start.</summary>
public sealed class MemoryExtractionOptions
{
    public const string Section = "Memory";

    /// <summary>
    /// The logical <c>chatModel</c> (a <c>Generation:Models</c> name) that reads memories after each reply. Unset: the
    /// offline extractor does, at no cost. Opt-in because it is one more model call per reply, before the answer is
    /// recorded.
    /// </summary>
    public string? ExtractionModel { get; set; }

    /// <summary>How long the extraction call may take before the offline extractor stands in.</summary>
    public TimeSpan ExtractionTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class MemoryExtractionOptionsValidator(IOptions<GenerationOptions> generation) : IValidateOptions<MemoryExtractionOptions>
{
    public ValidateOptionsResult Validate(string? name, MemoryExtractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ExtractionTimeout <= TimeSpan.Zero || options.ExtractionTimeout > TimeSpan.FromMinutes(2))
            errors.Add("Memory:ExtractionTimeout must be between 00:00:00.001 and 00:02:00");
        if (!string.IsNullOrWhiteSpace(options.ExtractionModel))
        {
            if (generation.Value.Provider == GenerationProvider.Offline)
                errors.Add("Memory:ExtractionModel needs a model provider (Generation:Provider is Offline)");
            else if (!generation.Value.Models.ContainsKey(options.ExtractionModel))
                errors.Add($"Memory:ExtractionModel '{options.ExtractionModel}' is not a Generation:Models name");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
