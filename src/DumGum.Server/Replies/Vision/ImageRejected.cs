using System.Text.Json.Nodes;

namespace DumGum.Replies.Vision;

/// <summary>The <c>chat.image.rejected</c> event: a shared picture failed moderation.</summary>
public static class ImageRejected
{
    public const string Event = "chat.image.rejected";

    /// <summary>Exactly the documented body: <c>projectId</c>, <c>sourceProfileId</c>, <c>pictureUrl</c>, <c>reason</c>.</summary>
    public static string Body(string projectId, string sourceProfileId, string pictureUrl, string reason) => new JsonObject
    {
        ["event"] = Event,
        ["data"] = new JsonObject
        {
            ["projectId"] = projectId,
            ["sourceProfileId"] = sourceProfileId,
            ["pictureUrl"] = pictureUrl,
            ["reason"] = reason,
        },
    }.ToJsonString();
}
