namespace DumGum.Dashboard;

/// <summary>The dashboard's navigation: the links, in order, with the page each one opens.</summary>
public static class DashboardNav
{
    /// <summary>Not a secret: which project the operator looked at last, so project links open it again.</summary>
    public const string ProjectCookie = "dumgum_project";

    public sealed record Link(string Text, string Page);

    public static readonly IReadOnlyList<Link> Links =
    [
        new("Projects", ""),
        new("Settings", "settings"),
        new("Access keys", "access-keys"),
        new("Logs", "logs"),
        new("Response explorer", "responses"),
        new("Usage", "usage"),
        new("Bans", "bans"),
        new("Memories", "memories"),
        new("Playground", "playground"),
    ];

    public static readonly HashSet<string> ProjectPages = Links.Where(l => l.Page != "").Select(l => l.Page).ToHashSet();

    public static string Href(Link link, string? projectId) =>
        link.Page == "" ? "/dashboard" : projectId is null ? $"/dashboard/go/{link.Page}" : $"/dashboard/projects/{projectId}/{link.Page}";
}
