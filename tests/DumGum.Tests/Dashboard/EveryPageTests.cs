using DumGum.Dashboard;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>
/// Every page of the navigation, at the desktop size and on a phone: its heading is its link's name, nothing scrolls
/// sideways, and axe finds nothing serious. New pages join the check by joining the navigation.
/// </summary>
public sealed class EveryPageTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    public static TheoryData<string> Sizes => ["desktop", "phone"];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Every_page_has_its_heading_fits_the_screen_and_passes_axe(string size)
    {
        var viewport = size == "phone" ? DashboardSession.Phone : DashboardSession.Desktop;
        var page = await session.SignedInPageAsync(browsers.Browser, "/dashboard", viewport);
        foreach (var link in DashboardNav.Links)
        {
            await page.GotoAsync(DashboardNav.Href(link, session.Project.Id));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = link.Text, Level = 1, Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Dashboard" })
                .GetByRole(AriaRole.Link, new() { Name = link.Text, Exact = true })).ToHaveAttributeAsync("aria-current", "page");
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= viewport.Width, $"{link.Text} is {width}px wide on a {viewport.Width}px screen");
            await BrowserFixture.AssertAccessibleAsync(page);
            await BrowserFixture.ScreenshotAsync(page, $"page-{(link.Page == "" ? "projects" : link.Page)}-{size}");
        }
    }
}
