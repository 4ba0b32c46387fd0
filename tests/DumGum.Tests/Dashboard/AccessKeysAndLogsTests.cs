using System.Net;
using DumGum.Tests.Infrastructure;
using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>The Access keys and Logs pages in a real browser.</summary>
public sealed class AccessKeysAndLogsTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    DumGumHost Host => session.Host;

    static object Enqueue(string user, string persona) => new { userProfileId = user, personaProfileId = persona, language = "EN", replyParameters = new { bufferSeconds = 0 } };

    [Fact]
    public async Task A_key_is_shown_once_works_at_once_and_a_revoked_key_is_refused_at_once()
    {
        // A project with no key yet shows what to do.
        var bare = await Host.AdminJsonAsync(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "no keys", profileEndpointUrl = session.Customer.ProfileUrl, chatHistoryEndpointUrl = session.Customer.HistoryUrl,
            incomingContentEndpointUrl = session.Customer.IncomingUrl,
        }, 201);
        var id = (string)bare["id"]!;
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{id}/access-keys");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Access keys", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No keys yet: create one to call enqueue")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Key name").FillAsync("production");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var key = (await page.Locator("#new-key").TextContentAsync())!.Trim();
        Assert.StartsWith("sk-proj-", key, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy key" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "access-keys-created");
        session.Customer.AddPair("u-key", "p-key", "Hi there");
        using (var accepted = await Host.EnqueueAsync(key, Enqueue("u-key", "p-key")))
            Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);

        // Shown once: a reload lists the key by its prefix only.
        await page.GotoAsync($"/dashboard/projects/{id}/access-keys");
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "production" });
        await Assertions.Expect(row).ToContainTextAsync(key[^4..]);

        await row.GetByRole(AriaRole.Link, new() { Name = "Revoke key production" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Revoke \"production\"?" })).ToBeVisibleAsync();
        using (var stillValid = await Host.EnqueueAsync(key, Enqueue("u-key", "p-key")))
            Assert.Equal(HttpStatusCode.NoContent, stillValid.StatusCode);   // asking is not revoking
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("revoked");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "production" })).ToContainTextAsync("Revoked");
        using var refused = await Host.EnqueueAsync(key, Enqueue("u-key", "p-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Logs_list_every_call_newest_first_with_filters_and_a_detail_view()
    {
        session.Customer.AddPair("u-ok", "p-ok", "Hi there");
        session.Customer.AddPair("u-broken", "p-ok", "Hello");
        session.Customer.ProfileHook = c => Task.FromResult<int?>(c.Request.Query["profileId"] == "u-broken" ? 400 : null);
        session.Customer.HookedBody = "{\"error\": \"no such user in our app\"}";
        using (var r = await Host.EnqueueAsync(session.Project.Key, Enqueue("u-ok", "p-ok"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await Host.EnqueueAsync(session.Project.Key, Enqueue("u-broken", "p-ok"))) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        await Host.WaitForLogsAsync(session.Project.Id, "profile", items => items.Any(i => (int?)i["status"] == 400));
        await Host.WaitForLogsAsync(session.Project.Id, "chat_history", items => items.Count >= 1);

        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{session.Project.Id}/logs");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Logs", Level = 1 })).ToBeVisibleAsync();
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Calls to your endpoints" }).Locator("tbody tr");
        Assert.True(await rows.CountAsync() >= 3);
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Status", new() { Exact = true }).SelectOptionAsync("error");
        await page.GetByLabel("Endpoint", new() { Exact = true }).SelectOptionAsync("profile");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        Assert.Contains("status=error", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("u-broken");
        await Assertions.Expect(rows.First).ToContainTextAsync("400");

        await rows.First.GetByRole(AriaRole.Link).ClickAsync();
        var detail = page.GetByRole(AriaRole.Complementary);
        await Assertions.Expect(detail).ToContainTextAsync(session.Customer.ProfileUrl);
        await Assertions.Expect(detail).ToContainTextAsync("HTTP 400");
        await Assertions.Expect(detail.Locator("pre")).ToContainTextAsync("no such user in our app");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "logs");

        // A time range that ends before the calls: nothing.
        await page.GetByLabel("Until (UTC)").FillAsync("2020-01-01T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        Assert.Contains("until=2020-01-01T00", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByText("No calls match these filters")).ToBeVisibleAsync();
        await page.GetByLabel("Until (UTC)").FillAsync("");

        await page.GetByLabel("User id").FillAsync("nobody");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No calls match these filters")).ToBeVisibleAsync();
        await page.GotoAsync($"/dashboard/projects/{session.Project.Id}/logs?since=not-a-date&until=nope&before=x&entry=-4");
        await Assertions.Expect(page.Locator("#f-until-error")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#f-since-error")).ToBeVisibleAsync();
    }
}
