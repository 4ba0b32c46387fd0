using System.Text.Json;
using DumGum.Guardrails;
using DumGum.Http;
using DumGum.Projects;
using DumGum.Storage;

namespace DumGum.Conversations;

/// <summary>
/// Accepts one enqueue for a project: validation, the ban check, the durable commit and the scheduler's notice. The
/// public enqueue endpoint and the dashboard's Playground both come through here, so a playground message takes
/// exactly the path a customer's request takes.
/// </summary>
public sealed class ConversationEnqueuer(EnqueueSchema schema, ConversationStore store, ConversationScheduler scheduler,
    BanLedger bans, RunAdmission admission, TimeProvider clock, DumGumMetrics metrics)
{
    /// <summary>Null once the request is durably stored (the endpoint's 204); otherwise the problem to answer with.</summary>
    public async Task<Problem?> EnqueueAsync(Project project, JsonElement body)
    {
        var started = admission.Now();
        if (schema.Validate(body, out var errors) is not { } request) return Problem.Validation(errors);
        // A conversation under an active ban takes nothing new (docs/behaviour.md, "Guardrails, stop reasons and bans").
        if (bans.Find(project.Id, request.UserProfileId, request.PersonaProfileId, clock.GetUtcNow()) is { } ban)
            return BanLedger.ToProblem(ban);
        var parameters = ReplySettings.Merge(request.ReplyParameters, project.Config.DefaultReplyParameters);
        var key = new ConversationKey(project.Id, request.UserProfileId, request.PersonaProfileId);
        try
        {
            var accepted = await store.AcceptAsync(key, request.Canonical.ToJsonString(),
                ReplySettings.BufferSeconds(parameters), ReplySettings.MaxProcessingTimeSeconds(parameters));
            scheduler.Accepted(accepted);
            admission.AcceptTook(started);
            metrics.Enqueued();
            return null;
        }
        catch (WriterBusyException)
        {
            // Durable accepting is behind its bound (docs/behaviour.md, "Overload"): refuse clearly, store nothing.
            return new Problem
            {
                Status = 503, Slug = "overloaded", Title = "Too many requests are waiting to be stored",
                Detail = "The server is accepting requests slower than they arrive; nothing was stored. Retry after the number of seconds in Retry-After.",
                Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
            };
        }
        catch (StorageUnavailableException ex)
        {
            return Problem.Unavailable($"The request was not stored: {ex.Message}. Retry later.");
        }
    }
}
