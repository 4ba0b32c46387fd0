using System.Net;
using DumGum.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Dashboard;

/// <summary>Every dashboard route, found in the host's own endpoint table, refuses a request that has no session.</summary>
public sealed class SessionRequiredTests : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task Every_dashboard_page_and_action_needs_the_session()
    {
        var routes = session.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("dashboard", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(routes.Count >= 8, $"expected the dashboard's pages, found {routes.Count} routes");
        using var forms = new DashboardForms(session.Host.BaseAddress);
        var checkedRoutes = 0;
        foreach (var route in routes)
        {
            var pattern = "/" + route.RoutePattern.RawText!.TrimStart('/');
            // The sign-in page and the static files (styles, scripts, the chart library) are public on purpose.
            if (pattern is "/dashboard/sign-in" || pattern.StartsWith("/dashboard/assets/", StringComparison.Ordinal)) continue;
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, "\\{([^}:?*]+)[^}]*\\}", m =>
                m.Groups[1].Value.Equals("ProjectId", StringComparison.OrdinalIgnoreCase) || m.Groups[1].Value == "id" ? session.Project.Id : "x");
            var methods = route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods.Where(m => m is "GET" or "POST"))
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method == "POST") request.Content = new FormUrlEncodedContent([]);
                using var response = await forms.SendAsync(request);
                var refused = response.StatusCode == HttpStatusCode.Unauthorized
                    || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/dashboard/sign-in", StringComparison.Ordinal));
                Assert.True(refused, $"{method} {path} answered {(int)response.StatusCode} {response.Headers.Location} without a session");
                checkedRoutes++;
            }
        }
        Assert.True(checkedRoutes >= 8);
    }
}
