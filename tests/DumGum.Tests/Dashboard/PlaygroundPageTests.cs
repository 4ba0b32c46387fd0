using Microsoft.Playwright;

namespace DumGum.Tests.Dashboard;

/// <summary>
/// The Playground page in a real browser: profiles pasted on the page, a message sent as the user, and a split reply
/// arriving live over the stream (typing indicator, then each part as its own bubble), without any customer call.
/// </summary>
public sealed class PlaygroundPageTests(BrowserFixture browsers) : IAsyncLifetime
{
    readonly DashboardSession session = new();

    public ValueTask InitializeAsync() => session.InitializeAsync();
    public ValueTask DisposeAsync() => session.DisposeAsync();

    [Fact]
    public async Task A_conversation_with_a_split_reply_arrives_live()
    {
        var page = await session.SignedInPageAsync(browsers.Browser, $"/dashboard/projects/{session.Project.Id}/playground");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Playground", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No personas or users yet")).ToBeVisibleAsync();

        await page.GetByLabel("Paste as").SelectOptionAsync("PERSONA");
        await page.GetByLabel("Profile JSON").FillAsync("""{"id": "p-marta", "firstName": "Marta", "timeZone": "Europe/Madrid"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No user yet")).ToBeVisibleAsync();
        await page.GetByLabel("Paste as").SelectOptionAsync("USER");
        await page.GetByLabel("Profile JSON").FillAsync("""{"id": "u-tom", "firstName": "Tom"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tom and Marta" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("No messages yet")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Multiple messages per reply", new() { Exact = true }).SelectOptionAsync("true");
        await page.GetByLabel("Multiple messages per reply frequency", new() { Exact = true }).FillAsync("1");
        await page.GetByLabel("Message length", new() { Exact = true }).SelectOptionAsync("LONG");
        await page.GetByLabel("Reply typing delay", new() { Exact = true }).SelectOptionAsync("FAST");
        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Hi Marta, how was the hike?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        var messages = page.Locator("#pg-messages");
        await Assertions.Expect(messages.Locator(".bubble.user")).ToHaveTextAsync("Hi Marta, how was the hike?");
        await Assertions.Expect(page.Locator("#pg-typing")).ToHaveTextAsync("Marta is typing…");
        var replies = messages.Locator(".bubble.persona");
        // How many parts the engine split the reply into, from the run's record (at most 4).
        var parts = 0;
        for (var i = 0; i < 600 && parts == 0; i++)
        {
            var runs = await session.Host.AdminJsonAsync(HttpMethod.Get, $"/admin/v1/projects/{session.Project.Id}/runs");
            parts = runs["items"]!.AsArray().Select(r => (int?)r!["parts"] ?? 0).FirstOrDefault();
            if (parts == 0) await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.InRange(parts, 2, 4);
        await Assertions.Expect(replies).ToHaveCountAsync(parts, new() { Timeout = 30_000 });
        await Assertions.Expect(replies.Nth(0)).ToContainTextAsync("part 1");
        await Assertions.Expect(replies.Nth(1)).ToContainTextAsync("part 2");
        await Assertions.Expect(replies.Nth(1).GetByRole(AriaRole.Link, new() { Name = "Details" }))
            .ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"^/dashboard/projects/{session.Project.Id}/responses/answer_"));
        await Assertions.Expect(page.Locator("#pg-typing")).ToBeHiddenAsync();
        Assert.Equal("", await page.GetByLabel("Message", new() { Exact = true }).InputValueAsync());
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "readme-playground");

        // The chat is the server's: a reload shows the same messages.
        await page.ReloadAsync();
        await Assertions.Expect(messages.Locator(".bubble")).ToHaveCountAsync(parts + 1);
        Assert.Empty(session.Customer.Calls);

        // "Details" of the second part opens its run in the Response explorer, with both parts.
        await messages.Locator(".bubble.persona").Nth(1).GetByRole(AriaRole.Link, new() { Name = "Details" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Response explorer", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Reply parts" }).Locator("li")).ToHaveCountAsync(parts);
    }
}
