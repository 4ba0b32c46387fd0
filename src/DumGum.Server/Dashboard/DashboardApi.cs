using DumGum.Playground;

namespace DumGum.Dashboard;

/// <summary>
/// JSON endpoints the dashboard's scripts call (the playground's live stream and messages), under
/// <c>/dashboard/api</c>: session required, and the antiforgery token on every change.
/// </summary>
static class DashboardApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/session", () => Results.Ok(new { signedIn = true }));
        api.MapGroup("/projects/{projectId}/playground").RequireAuthorization(DashboardHosting.Policy).MapPlaygroundApi();
    }
}
