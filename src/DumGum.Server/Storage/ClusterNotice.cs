using System.Globalization;

namespace DumGum.Storage;

/// <summary>
/// What one node tells the others about a conversation, so each node's timers see every enqueue wherever it arrived
/// (PostgreSQL: the notices of one commit travel as one NOTIFY). Compact text, one notice per change:
/// <c>a {conversation} {enqueue} {acceptedAtMs} {bufferSeconds}</c> for an accepted enqueue and
/// <c>f {conversation} {watermark}</c> for a finished run, <c>b {project} {user} {persona}</c> (URI-escaped) for a
/// guardrail ban recorded or lifted on a conversation (the other nodes forget what they cached of its bans).
/// </summary>
public abstract record ClusterNotice
{
    public sealed record EnqueueAccepted(long ConversationId, long EnqueueId, DateTimeOffset AcceptedAt, int BufferSeconds) : ClusterNotice;
    public sealed record RunFinished(long ConversationId, long Watermark) : ClusterNotice;
    public sealed record BanRecorded(string ProjectId, string UserProfileId, string PersonaProfileId) : ClusterNotice;

    public static string Accepted(long conversationId, long enqueueId, long acceptedAtMs, int bufferSeconds) =>
        string.Create(CultureInfo.InvariantCulture, $"a {conversationId} {enqueueId} {acceptedAtMs} {bufferSeconds}");

    public static string Finished(long conversationId, long watermark) =>
        string.Create(CultureInfo.InvariantCulture, $"f {conversationId} {watermark}");

    public static string Banned(string projectId, string user, string persona) =>
        $"b {Uri.EscapeDataString(projectId)} {Uri.EscapeDataString(user)} {Uri.EscapeDataString(persona)}";

    /// <summary>Null for anything malformed (a newer node's notice kind, say): the periodic resync covers what it meant.</summary>
    public static ClusterNotice? Parse(string notice)
    {
        var f = notice.Split(' ');
        static bool L(string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v);
        return f switch
        {
            ["a", var c, var e, var at, var b] when L(c, out var conversation) && L(e, out var enqueue) && L(at, out var ms) && L(b, out var buffer)
                => new EnqueueAccepted(conversation, enqueue, DateTimeOffset.FromUnixTimeMilliseconds(ms), (int)buffer),
            ["f", var c, var w] when L(c, out var conversation) && L(w, out var watermark) => new RunFinished(conversation, watermark),
            ["b", var p, var u, var s] => new BanRecorded(Uri.UnescapeDataString(p), Uri.UnescapeDataString(u), Uri.UnescapeDataString(s)),
            _ => null,
        };
    }
}
