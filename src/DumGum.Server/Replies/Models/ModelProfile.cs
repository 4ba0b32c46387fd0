namespace DumGum.Replies.Models;

/// <summary>A logical <c>chatModel</c> resolved to its backend model and limits (from <c>Generation:Models</c>).</summary>
public sealed record ModelProfile(
    string Name,
    string BackendModel,
    int ContextTokens,
    int MaxOutputTokens,
    bool Vision,
    decimal InputPricePerMillion,
    decimal OutputPricePerMillion,
    float? Temperature = null,
    float? TopP = null)
{
    /// <summary>Used by the offline engine and wherever no model is configured.</summary>
    public static readonly ModelProfile Offline = new("offline", OfflineChatClient.ModelId, 8192, 400, false, 0m, 0m);

    /// <summary>Cost of a call, rounded to the 4 decimals of the wire format.</summary>
    public decimal Cost(long inputTokens, long outputTokens) =>
        Math.Round((inputTokens * InputPricePerMillion + outputTokens * OutputPricePerMillion) / 1_000_000m, 4, MidpointRounding.AwayFromZero);
}
