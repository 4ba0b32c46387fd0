using DumGum.Customers;
using DumGum.Replies.Checks;
using DumGum.Replies.Models;
using DumGum.Replies.Output;
using DumGum.Replies.Prompt;
using Microsoft.Extensions.AI;

namespace DumGum.Replies;

/// <summary>
/// A written reply: the message parts (1..4; empty only for a pure poke or picture), the shared picture's URL, whether
/// it is a poke, its cost (all attempts, priced per the chat model; 0 offline), the model that wrote it, the guardrail
/// signals the model reported, and the prompt itemisation.
/// </summary>
public sealed record GeneratedReply(
    IReadOnlyList<string> Parts,
    string? PictureUrl,
    bool Poke,
    decimal Cost,
    string? ModelId,
    IReadOnlyDictionary<string, bool> Signals,
    PromptItemisation Itemisation);

/// <summary>
/// What was sent to write a reply (docs/behaviour.md, "Itemisation"): the last attempt's prompt blocks with their token counts, the tokens
/// used by all attempts together, and why earlier attempts were rejected.
/// </summary>
public sealed record PromptItemisation(
    string ChatModel,
    string BackendModel,
    IReadOnlyList<PromptBlock> Blocks,
    long InputTokens,
    long OutputTokens,
    int Attempts,
    IReadOnlyList<string> RegenerationReasons)
{
    /// <summary>What the safety step did (self-harm flag, helpline, replaced reply, disclosure); null when nothing fired.</summary>
    public SafetyNote? Safety { get; init; }

    /// <summary>Vision Link's pictures, their cache outcome and cost (docs/behaviour.md, "Vision Link"); null when not asked for.</summary>
    public DumGum.Replies.Vision.VisionItemisation? Vision { get; init; }

    /// <summary>How long-term memory was read after the reply (docs/memory.md, "Model extraction"); null with memory off.</summary>
    public DumGum.Memory.Extraction.MemoryExtractionNote? MemoryExtraction { get; init; }
}

/// <summary>
/// Writes one reply: resolves the <c>chatModel</c>, builds the prompt, calls the model through the <see cref="IChatClient"/>
/// pipeline, parses the structured answer and checks it (<see cref="ReplyChecks"/>). A rejected answer is regenerated
/// with an instruction aimed at what went wrong, at most twice (three calls); then <see cref="GenerationFailedException"/>.
/// <c>testMode</c> always uses the offline engine and costs nothing (docs/behaviour.md, "The enqueue flow"); so does <c>Generation:Provider=Offline</c>,
/// through the pipeline. Offline output only has to be non-empty: the model checks are for model output.
/// </summary>
public sealed class ReplyWriter(
    IChatClient model,
    OfflineChatClient offline,
    ModelCatalog catalog,
    PromptBuilder prompts,
    TokenCounter tokens,
    ReplyChecks checks,
    ILogger<ReplyWriter> log)
{
    /// <summary>Model calls per reply: the first and at most two regenerations.</summary>
    public const int MaxAttempts = 3;

    /// <summary>Parts of a split reply (docs/behaviour.md, "Replies", Split replies).</summary>
    public const int MaxParts = 4;

    public async Task<GeneratedReply> WriteAsync(ReplyContext context, string projectId, bool testMode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var chatModel = context.Parameters.ChatModel;
        var offlineRun = testMode || catalog.Provider == GenerationProvider.Offline;
        var profile = offlineRun ? ModelProfile.Offline : catalog.Resolve(chatModel);
        var client = testMode ? offline : model;
        var jsonMode = !offlineRun && catalog.JsonMode(chatModel);
        var legacyMaxTokens = !offlineRun && catalog.LegacyMaxTokens(chatModel);
        string[] names = [.. new[] { context.Persona.FirstName, context.Persona.Nickname, context.Persona.DisplayName }.OfType<string>().Distinct()];

        var instructions = new List<string>();
        var reasons = new List<string>();
        long inputTokens = 0, outputTokens = 0;
        var pictures = offlineRun ? [] : VisionInput.Pictures(context);
        if (pictures.Count > 0 && !profile.Vision)
        {
            // With Vision Link the descriptions still reach this model through the prompt (VisionInput.Attach).
            if (context.Vision is null)
                log.LogWarning("Vision was asked for, but chat model {ChatModel} is not configured as vision-capable; pictures are skipped", chatModel);
            pictures = [];
        }
        for (var attempt = 1; ; attempt++)
        {
            var prompt = VisionInput.Attach(prompts.Build(context, profile, instructions.Count > 0 ? instructions.ToArray() : null), pictures, offlineRun ? null : context.Vision);
            var options = new ChatOptions
            {
                ModelId = profile.BackendModel,
                Temperature = profile.Temperature,
                TopP = profile.TopP,
                MaxOutputTokens = profile.MaxOutputTokens,
                ResponseFormat = jsonMode ? ChatResponseFormat.Json : null,
                AdditionalProperties = new()
                {
                    [ReplyContext.OptionsKey] = context,
                    [TokenBudgetChatClient.ProjectIdKey] = projectId,
                },
            };
            if (legacyMaxTokens) OpenAIModelRouter.UseLegacyMaxTokens(options, profile.MaxOutputTokens);

            var response = await client.GetResponseAsync(prompt.Messages, options, cancellationToken);
            var text = response.Text;
            // Servers that report no usage are estimated with the prompt builder's token counts.
            inputTokens += response.Usage?.InputTokenCount ?? prompt.Tokens;
            outputTokens += response.Usage?.OutputTokenCount ?? tokens.Count(text);

            IReadOnlyList<CheckFailure> failures;
            ParsedReply? reply = null;
            if (!ReplyParser.TryParse(text, names, out var parsed, out var problem))
            {
                failures = [ReplyChecks.Malformed(problem)];
            }
            else
            {
                reply = Shape(parsed, context);
                failures = offlineRun ? ReplyChecks.Empty(reply) is { } empty ? [empty] : [] : checks.Check(reply, context);
            }

            // A missed length target is regenerated once (docs/behaviour.md, "Replies", Output); a second miss is accepted as it is.
            if (reasons.Contains("LENGTH") && failures.Any(f => f.Reason == "LENGTH"))
                failures = failures.Where(f => f.Reason != "LENGTH").ToList();

            if (failures.Count == 0 && reply is not null)
            {
                var itemisation = new PromptItemisation(chatModel, profile.BackendModel, prompt.Blocks, inputTokens, outputTokens, attempt, reasons);
                var cost = offlineRun ? 0m : profile.Cost(inputTokens, outputTokens);
                return new GeneratedReply(reply.Parts, PictureUrl(reply.PictureId, context), reply.Poke, cost,
                    response.ModelId ?? profile.BackendModel, reply.Signals, itemisation);
            }

            reasons.AddRange(failures.Select(f => f.Reason));
            log.LogInformation("Reply attempt {Attempt} of {MaxAttempts} with {ChatModel} rejected: {Reasons}",
                attempt, MaxAttempts, chatModel, string.Join(", ", failures.Select(f => f.Reason)));
            log.LogDebug("Reply attempt {Attempt} rejected because: {Details}", attempt, string.Join("; ", failures.Select(f => f.Detail)));
            if (attempt >= MaxAttempts)
                throw new GenerationFailedException(
                    $"no acceptable reply after {attempt} attempts with {chatModel} ({string.Join(", ", reasons)})", reasons, attempt);
            foreach (var failure in failures)
                if (!instructions.Contains(failure.Instruction)) instructions.Add(failure.Instruction);
        }
    }

    /// <summary>
    /// One part unless a split was asked for (then at most <see cref="MaxParts"/>, the rest joined into the last), and the
    /// picture kept only when it can be shared.
    /// </summary>
    static ParsedReply Shape(ParsedReply reply, ReplyContext context)
    {
        var parts = reply.Parts;
        var max = context.SplitReply ? MaxParts : 1;
        if (parts.Count > max)
            parts = [.. parts.Take(max - 1), string.Join("\n", parts.Skip(max - 1))];
        var pictureId = PictureUrl(reply.PictureId, context) is null ? null : reply.PictureId;
        return reply with { Parts = parts, PictureId = pictureId };
    }

    /// <summary>
    /// The URL of the shareable picture the model chose (Smart Share, docs/behaviour.md, "Replies"): only with Smart Share on, only a
    /// picture offered in <c>shareablePictures</c>, and never one already shared in this chat. Anything else is ignored.
    /// </summary>
    static string? PictureUrl(string? pictureId, ReplyContext context)
    {
        if (pictureId is null || !context.SmartShareEnabled) return null;
        var pictures = context.Parameters.ShareablePictures;
        var picture = pictures.FirstOrDefault(p => p.Id == pictureId)
                      ?? pictures.FirstOrDefault(p => string.Equals(p.Id, pictureId, StringComparison.OrdinalIgnoreCase));
        if (picture is null) return null;
        return SharedPictures.AlreadyShared(picture.Url, context.History) ? null : picture.Url;
    }
}
