using DumGum.Replies;
using DumGum.Storage;
using DumGum.Webhooks;

namespace DumGum.Replies.Vision;

/// <summary>A picture the reply may use: who it shows or who sent it, and the vision model's description.</summary>
/// <param name="Show">Attached as an image too when the chat model can see (the current pictures, not older history).</param>
public sealed record SeenPicture(string Label, string Url, string Description, bool Show);

/// <summary>What Vision Link gives the reply (in <see cref="ReplyContext.Vision"/>): the described, accepted pictures.</summary>
public sealed record VisionNotes(IReadOnlyList<SeenPicture> Pictures)
{
    public static readonly VisionNotes Empty = new([]);
}

/// <summary>One picture in the itemisation: <c>ANALYSED</c> (billed), <c>CACHED</c> (free) or <c>FAILED</c>.</summary>
public sealed record VisionItem(string Url, string Kind, string Outcome, string? Rejection, string? Cache);

/// <summary>Vision Link's part of an answer's itemisation (docs/behaviour.md, "Vision Link").</summary>
/// <param name="Skipped">Why nothing was analysed (no vision model, testMode), else null.</param>
public sealed record VisionItemisation(string? Model, IReadOnlyList<VisionItem> Pictures, int Analysed, decimal Cost, string? Skipped);

/// <summary>
/// The outcome of <see cref="VisionLink.PrepareAsync"/> for one run: the reply's context (rejected pictures removed, the
/// descriptions added), the cost of the photos analysed, and the <c>chat.image.rejected</c> events to send.
/// </summary>
public sealed class VisionRun(ReplyContext context, VisionItemisation? itemisation, IReadOnlyList<(string Url, string Reason)> rejections,
    string projectId, ConversationKey key)
{
    public ReplyContext Context { get; } = context;
    public VisionItemisation? Itemisation { get; } = itemisation;
    public IReadOnlyList<(string Url, string Reason)> Rejections { get; } = rejections;

    /// <summary>The reply with the analysed photos added to its cost and Vision Link in its itemisation.</summary>
    public GeneratedReply Bill(GeneratedReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (Itemisation is null) return reply;
        return reply with { Cost = reply.Cost + Itemisation.Cost, Itemisation = reply.Itemisation with { Vision = Itemisation } };
    }

    /// <summary>
    /// The run's <c>chat.image.rejected</c> events, written to the outbox in the transaction of its answers and before
    /// them, so the conversation's lane delivers them first.
    /// </summary>
    public List<Delivery> EmitRejections(WriteQueue.Writer w, long conversationId, long runToken, DateTimeOffset now) =>
        Rejections.Select(r => Outbox.Insert(w, new OutboxEntry(projectId, conversationId, key.UserProfileId, key.PersonaProfileId, runToken,
            ImageRejected.Event, ImageRejected.Body(projectId, key.UserProfileId, r.Url, r.Reason), now, now + Events.NoticeRetention))).ToList();
}
