using System.Net;
using DumGum.Guardrails;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>The Bans page in a real browser: the active bans, and lifting one lets the conversation continue at once.</summary>
public sealed class BansTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task Active_bans_are_listed_and_lifting_one_lets_the_conversation_continue_at_once()
    {
        var host = session.Host;
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{session.Project.Id}/bans");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bans", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No active bans")).ToBeVisibleAsync();

        var ledger = host.Services.GetRequiredService<BanLedger>();
        await ledger.RecordOffenceAsync(session.Project.Id, "u-banned", "p-1", StopReasons.AiSuspicion, null, DateTimeOffset.UtcNow);
        await ledger.RecordOffenceAsync(session.Project.Id, "u-other", "p-1", StopReasons.UserUnderage, null, DateTimeOffset.UtcNow);
        object body = new { userProfileId = "u-banned", personaProfileId = "p-1", language = "EN" };
        using (var stopped = await host.EnqueueAsync(session.Project.Key, body)) Assert.Equal(HttpStatusCode.Conflict, stopped.StatusCode);

        await page.ReloadAsync();
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Active bans" }).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var banned = rows.Filter(new() { HasText = "u-banned" });
        await Assertions.Expect(banned).ToContainTextAsync(StopReasons.AiSuspicion);
        await Assertions.Expect(rows.Filter(new() { HasText = "u-other" })).ToContainTextAsync("Permanent");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "bans");

        await page.GetByLabel("User id").FillAsync("u-banned");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await banned.GetByRole(AriaRole.Button, new() { Name = "Lift ban" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("lifted");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Active bans" }).Locator("tbody tr")).ToHaveCountAsync(1);

        session.Customer.AddPair("u-banned", "p-1", "sorry");
        using var accepted = await host.EnqueueAsync(session.Project.Key, body);
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
    }
}
