namespace DumGum.Projects;

/// <summary>
/// Which conversations belong to the dashboard's Playground, and where their customer calls go. A playground
/// conversation is an ordinary conversation of the project whose <c>userProfileId</c> starts with
/// <see cref="UserPrefix"/> (docs/behaviour.md, "Playground"). Its profile, history and incoming-content calls go to
/// the built-in playground customer on the reserved host <see cref="Host"/> (RFC 2606 <c>.invalid</c>: it can never
/// resolve), which <c>Playground/PlaygroundHandler</c> answers in-process, never to the project's own URLs.
/// </summary>
public static class PlaygroundRouting
{
    public const string UserPrefix = "playground:";
    public const string Host = "playground.dumgum.invalid";
    public const string ProfileEndpoint = "profile", HistoryEndpoint = "history", IncomingEndpoint = "incoming";

    public static bool IsPlayground(string? userProfileId) =>
        userProfileId is not null && userProfileId.StartsWith(UserPrefix, StringComparison.Ordinal);

    /// <summary>The conversation's user id for a playground user profile id.</summary>
    public static string ConversationUserId(string playgroundUserId) => UserPrefix + playgroundUserId;

    /// <summary>The playground user profile id behind a conversation's user id (the id without the prefix).</summary>
    public static string PlaygroundUserId(string conversationUserId) =>
        IsPlayground(conversationUserId) ? conversationUserId[UserPrefix.Length..] : conversationUserId;

    /// <summary>
    /// The project as the calls of this conversation see it: unchanged for a customer's conversation; for a playground
    /// conversation the three endpoint URLs point at the built-in customer, there is no memory webhook, and a 410-disabled Incoming Content
    /// endpoint does not stop playground events (that switch is about the customer's endpoint).
    /// </summary>
    public static Project For(Project project, string userProfileId) => !IsPlayground(userProfileId) ? project : project with
    {
        Config = project.Config with
        {
            ProfileEndpointUrl = Url(project.Id, ProfileEndpoint),
            ChatHistoryEndpointUrl = Url(project.Id, HistoryEndpoint),
            IncomingContentEndpointUrl = Url(project.Id, IncomingEndpoint),
            // Playground memory is kept (and shown on the dashboard) but never sent to the customer's memory webhook.
            MemoryWebhookUrl = null,
        },
        IncomingDisabledAt = null,
    };

    public static string Url(string projectId, string endpoint) => $"http://{Host}/{Uri.EscapeDataString(projectId)}/{endpoint}";
}
